// In-memory KeyBackend for unit tests of code that *uses* a backend (reconciler, envelope callers):
// AES-256-GCM under per-version keys with the binding as AAD, call counters, and a switch to make it
// fail like an unavailable KMS. Never imported by src/. The real backends have their own tests
// against real servers.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { KekRef, KeyBackend, KeyBinding, PublicKeyInfo, WrappedKey } from "../../src/kms/types.ts";
import { KeyMismatchError, KeyVersionNotFoundError, ProviderUnavailableError } from "../../src/errors.ts";

export class MemoryBackend implements KeyBackend {
  readonly type = "memory";
  readonly calls = { wrap: 0, unwrap: 0, currentVersion: 0 };
  unavailable = false;
  private readonly versions = new Map<string, Buffer>();

  constructor(versions: readonly string[] = ["1"]) {
    for (const v of versions) this.versions.set(v, randomBytes(32));
  }

  addVersion(version: string): void {
    this.versions.set(version, randomBytes(32));
  }

  /** Like disabling a KEK version in a KMS: it can no longer wrap or unwrap. */
  removeVersion(version: string): void {
    this.versions.delete(version);
  }

  async wrap(dek: Uint8Array, kek: KekRef, binding: KeyBinding): Promise<WrappedKey> {
    this.calls.wrap++;
    const key = this.key(kek.version);
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, nonce).setAAD(aad(kek, binding));
    const ciphertext = Buffer.concat([nonce, cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
    return { kek, algorithm: "TEST-A256GCM", ciphertext };
  }

  async unwrap(wrapped: WrappedKey, binding: KeyBinding): Promise<Uint8Array> {
    this.calls.unwrap++;
    const key = this.key(wrapped.kek.version);
    const c = Buffer.from(wrapped.ciphertext);
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, c.subarray(0, 12)).setAAD(aad(wrapped.kek, binding));
      decipher.setAuthTag(c.subarray(c.length - 16));
      return Buffer.concat([decipher.update(c.subarray(12, c.length - 16)), decipher.final()]);
    } catch {
      throw new KeyMismatchError(`wrapped key did not authenticate under memory key version ${wrapped.kek.version}`);
    }
  }

  async currentVersion(): Promise<string> {
    this.calls.currentVersion++;
    if (this.unavailable) throw new ProviderUnavailableError("memory backend is down");
    return [...this.versions.keys()].sort((a, b) => Number(b) - Number(a))[0] ?? "1";
  }

  async publicKey(): Promise<PublicKeyInfo | undefined> {
    return undefined;
  }

  async close(): Promise<void> {}

  private key(version: string): Buffer {
    if (this.unavailable) throw new ProviderUnavailableError("memory backend is down");
    const key = this.versions.get(version);
    if (key === undefined) throw new KeyVersionNotFoundError(`memory key has no version ${version}`);
    return key;
  }
}

function aad(kek: KekRef, b: KeyBinding): Buffer {
  return Buffer.from(JSON.stringify([kek.key, kek.version, b.scope, b.namespace, b.name]));
}
