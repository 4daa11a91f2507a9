// Offline sealing: wraps the DEK locally with the public half of an RSA KEK (RSA-OAEP), so anyone
// with the public key can seal without access to the KMS or HSM; only the backend can unwrap.
import { constants, createPublicKey, publicEncrypt, type KeyObject } from "node:crypto";
import { ProviderMisconfiguredError } from "../errors.ts";
import type { PublicKeyInfo } from "../kms/types.ts";
import { assembleSpec, generateDek, sealWithKey } from "./seal.ts";
import type { SealedSpec, SealInput, SealOptions } from "./types.ts";

export const MIN_RSA_BITS = 2048;

/** Wrap algorithm name -> OAEP hash (MGF1 uses the same hash). */
const OAEP_HASHES: ReadonlyMap<string, string> = new Map([
  ["RSA-OAEP-256", "sha256"],
  // SHA-1 OAEP: for HSMs (SoftHSM class) that implement no other; still sound for key wrapping.
  ["RSA-OAEP", "sha1"],
]);

export type OfflinePublicKey = Pick<PublicKeyInfo, "pem" | "algorithm" | "kek">;

function oaepHash(algorithm: string): string {
  const hash = OAEP_HASHES.get(algorithm);
  if (hash === undefined) throw new ProviderMisconfiguredError(`public key algorithm ${JSON.stringify(algorithm)} cannot seal offline; expected RSA-OAEP-256 or RSA-OAEP`);
  return hash;
}

function rsaPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new ProviderMisconfiguredError("public key is not a readable PEM public key", { cause: err });
  }
  if (key.asymmetricKeyType !== "rsa") throw new ProviderMisconfiguredError(`public key is ${key.asymmetricKeyType ?? "unknown"}, expected rsa`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new ProviderMisconfiguredError(`public key is ${bits}-bit RSA, at least ${MIN_RSA_BITS} bits required`);
  return key;
}

function sealOfflineNow(publicKey: OfflinePublicKey, input: SealInput, options: SealOptions): SealedSpec {
  const hash = oaepHash(publicKey.algorithm);
  const key = rsaPublicKey(publicKey.pem);
  const dek = generateDek(options);
  try {
    const sealed = sealWithKey(dek, input, options);
    const ciphertext = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, dek);
    return assembleSpec(input, sealed, { kek: publicKey.kek, algorithm: publicKey.algorithm, ciphertext });
  } finally {
    dek.fill(0);
  }
}

/** Seals with a fresh DEK wrapped by RSA-OAEP under `publicKey`. The DEK is zeroed before this settles. */
export function sealOffline(publicKey: OfflinePublicKey, input: SealInput, options: SealOptions = {}): Promise<SealedSpec> {
  // Async for symmetry with seal(); a throw becomes a rejection.
  return new Promise((resolve) => resolve(sealOfflineNow(publicKey, input, options)));
}
