// The public-key bundle `envelope pubkey` exports and `envelope seal --public-key` reads: the KEK's
// public key (PEM) plus everything an offline sealer must write into the EncryptedSecret (provider,
// key, version, wrap algorithm). YAML, so it can be committed and reviewed; it holds nothing secret.
import { createPublicKey } from "node:crypto";
import { API_VERSION } from "../api/v1alpha1/constants.ts";
import { field, quote } from "../envelope/fields.ts";
import { MIN_RSA_BITS, type OfflinePublicKey } from "../envelope/index.ts";
import { InputError } from "./errors.ts";
import { toYaml } from "./render.ts";
import { parseSingleDocument } from "./yaml-input.ts";

export const BUNDLE_KIND = "PublicKeyBundle";
export const OFFLINE_ALGORITHMS: readonly string[] = ["RSA-OAEP-256", "RSA-OAEP"];
const FIELDS = ["apiVersion", "kind", "provider", "key", "keyVersion", "algorithm", "publicKey"];

export interface PublicKeyBundle extends OfflinePublicKey {
  readonly provider: string;
}

export function renderBundle(bundle: PublicKeyBundle): string {
  return toYaml(
    new Map([
      ["apiVersion", API_VERSION],
      ["kind", BUNDLE_KIND],
      ["provider", bundle.provider],
      ["key", bundle.kek.key],
      ["keyVersion", bundle.kek.version],
      ["algorithm", bundle.algorithm],
      ["publicKey", bundle.pem.endsWith("\n") ? bundle.pem : `${bundle.pem}\n`],
    ]),
  );
}

function text(where: string, rec: Readonly<Record<string, unknown>>, name: string): string {
  const value = field(rec, name);
  if (typeof value !== "string" || value === "") throw new InputError(`${where}: ${name} must be a non-empty string`);
  return value;
}

function checkPublicKey(where: string, pem: string): void {
  let bits: number | undefined;
  try {
    const key = createPublicKey(pem);
    bits = key.asymmetricKeyType === "rsa" ? key.asymmetricKeyDetails?.modulusLength : undefined;
  } catch {
    throw new InputError(`${where}: publicKey is not a PEM public key`);
  }
  if (bits === undefined) throw new InputError(`${where}: publicKey is not an RSA key`);
  if (bits < MIN_RSA_BITS) throw new InputError(`${where}: publicKey is ${bits}-bit RSA, at least ${MIN_RSA_BITS} bits required`);
}

/** Parses and checks a bundle: kind, fields, algorithm, and an RSA public key of sufficient size. */
export function parseBundle(where: string, source: string): PublicKeyBundle {
  const doc = parseSingleDocument(where, source);
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new InputError(`${where}: expected a ${BUNDLE_KIND} (from envelope pubkey)`);
  const rec = doc as Readonly<Record<string, unknown>>;
  if (field(rec, "kind") !== BUNDLE_KIND || field(rec, "apiVersion") !== API_VERSION) {
    throw new InputError(`${where}: expected apiVersion ${API_VERSION}, kind ${BUNDLE_KIND} (export one with envelope pubkey)`);
  }
  const unknown = Object.keys(rec).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) throw new InputError(`${where}: unknown field ${quote(unknown)}`);
  const algorithm = text(where, rec, "algorithm");
  if (!OFFLINE_ALGORITHMS.includes(algorithm)) throw new InputError(`${where}: algorithm ${quote(algorithm)} cannot seal offline; expected ${OFFLINE_ALGORITHMS.join(" or ")}`);
  const pem = text(where, rec, "publicKey");
  checkPublicKey(where, pem);
  return { provider: text(where, rec, "provider"), kek: { key: text(where, rec, "key"), version: text(where, rec, "keyVersion") }, algorithm, pem };
}
