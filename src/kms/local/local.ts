// The `local` key backend: KEK versions held by the operator itself (a Secret, or a key file for the
// CLI). For development, air-gapped clusters and tests — the KEK is only as safe as that Secret.
// Wrap = AES-256-GCM under the KEK with the binding as associated data, so a wrapped DEK, too, only
// unwraps for the object it was sealed for. Output: nonce(12) || ciphertext(32) || tag(16).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { KekRef, KeyBackend, KeyBinding, PublicKeyInfo, WrappedKey } from "../types.ts";
import { KeyMismatchError, KeyNotFoundError, MalformedEnvelopeError } from "../../errors.ts";
import { latestVersion, lookup, type LocalKeySet } from "./key-set.ts";

export const LOCAL_WRAP_ALGORITHM = "A256GCM";
const DOMAIN = "envelope.dev/v1 local wrap";
const NONCE = 12;
const TAG = 16;

/** Length-prefixed fields, so no two different bindings encode to the same bytes. */
export function localWrapAad(kek: KekRef, binding: KeyBinding): Buffer {
  const parts = [DOMAIN, kek.key, kek.version, binding.scope, binding.namespace, binding.name].map((s) => Buffer.from(s, "utf8"));
  return Buffer.concat(parts.flatMap((p) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(p.length);
    return [len, p];
  }));
}

/** A parsed key set, or a source asked on every call (so a Secret gaining a version is seen without a restart). */
export type LocalKeySource = LocalKeySet | (() => Promise<LocalKeySet>);

export class LocalBackend implements KeyBackend {
  readonly type = "local";
  private readonly keys: () => Promise<LocalKeySet>;

  constructor(keys: LocalKeySource) {
    this.keys = typeof keys === "function" ? keys : async () => keys;
  }

  async wrap(dek: Uint8Array, kek: KekRef, binding: KeyBinding): Promise<WrappedKey> {
    const key = lookup(await this.keys(), kek.key, kek.version);
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv("aes-256-gcm", key, nonce).setAAD(localWrapAad(kek, binding));
    const ciphertext = Buffer.concat([nonce, cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
    return { kek, algorithm: LOCAL_WRAP_ALGORITHM, ciphertext };
  }

  async unwrap(wrapped: WrappedKey, binding: KeyBinding): Promise<Uint8Array> {
    if (wrapped.algorithm !== LOCAL_WRAP_ALGORITHM) throw new KeyMismatchError(`local keys unwrap ${LOCAL_WRAP_ALGORITHM}, not "${wrapped.algorithm}"`);
    const key = lookup(await this.keys(), wrapped.kek.key, wrapped.kek.version);
    const c = Buffer.from(wrapped.ciphertext);
    if (c.length < NONCE + TAG + 1) throw new MalformedEnvelopeError(`wrapped key is ${c.length} bytes, too short for ${LOCAL_WRAP_ALGORITHM}`);
    const decipher = createDecipheriv("aes-256-gcm", key, c.subarray(0, NONCE)).setAAD(localWrapAad(wrapped.kek, binding));
    decipher.setAuthTag(c.subarray(c.length - TAG));
    const dek = decipher.update(c.subarray(NONCE, c.length - TAG));
    try {
      decipher.final();
      return dek;
    } catch {
      dek.fill(0);
      throw new KeyMismatchError(`wrapped data key did not authenticate under local key "${wrapped.kek.key}" version ${wrapped.kek.version} (wrong key, or sealed for another object, or tampered)`);
    }
  }

  async currentVersion(key: string): Promise<string> {
    const versions = (await this.keys()).get(key);
    if (versions === undefined || versions.size === 0) throw new KeyNotFoundError(`local key "${key}" does not exist`);
    return latestVersion(versions);
  }

  async publicKey(): Promise<PublicKeyInfo | undefined> {
    return undefined;
  }

  async close(): Promise<void> {}
}
