import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { EncryptedSecretSpec, Scope, SecretTemplate } from "../api/v1alpha1/types.ts";
import { BindingMismatchError, DecryptFailedError, InvalidSpecError, KeyMismatchError, MalformedEnvelopeError, ProviderMisconfiguredError, WrongKeyError } from "../errors.ts";
import type { KekRef, KeyBackend, KeyBinding, PublicKeyInfo, WrappedKey } from "../kms/types.ts";
import { bindingFor, open, openWithKey, parseSpec, rewrapEnvelope, seal, sealOffline, sealWithKey, unwrapDek, verifyCommitment, type SealedSpec, type SealInput } from "./index.ts";
import { deriveDataKey } from "./kdf.ts";

/**
 * Test double, not a backend: keeps one random AES-256 KEK per key version in memory and wraps with
 * AES-256-GCM, the binding as AAD. Records its calls and every DEK buffer it hands out, so tests can
 * check that the envelope zeroes them.
 */
class FakeBackend implements KeyBackend {
  readonly type = "fake";
  readonly calls: string[] = [];
  /** Every buffer unwrap returned; the caller is expected to zero each one. */
  readonly handedOut: Uint8Array[] = [];
  /** Copies of the DEKs wrap received, taken during the call. */
  readonly received: Buffer[] = [];
  /** When set, unwrap returns this (substituted) key instead of the real one. */
  substitute: Uint8Array | undefined;
  private readonly keks = new Map<string, Buffer>();

  private kek(ref: KekRef): Buffer {
    const id = `${ref.key}@${ref.version}`;
    const existing = this.keks.get(id);
    if (existing !== undefined) return existing;
    const created = randomBytes(32);
    this.keks.set(id, created);
    return created;
  }

  private static aad(ref: KekRef, binding: KeyBinding): Buffer {
    return Buffer.from(JSON.stringify([ref.key, ref.version, binding.scope, binding.namespace, binding.name]));
  }

  protected encrypt(dek: Uint8Array, kek: KekRef, binding: KeyBinding): WrappedKey {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.kek(kek), nonce).setAAD(FakeBackend.aad(kek, binding));
    const body = Buffer.concat([cipher.update(dek), cipher.final()]);
    return { kek, algorithm: "A256GCM", ciphertext: Buffer.concat([nonce, body, cipher.getAuthTag()]) };
  }

  protected decrypt(wrapped: WrappedKey, binding: KeyBinding): Buffer {
    const c = Buffer.from(wrapped.ciphertext);
    const decipher = createDecipheriv("aes-256-gcm", this.kek(wrapped.kek), c.subarray(0, 12)).setAAD(FakeBackend.aad(wrapped.kek, binding));
    decipher.setAuthTag(c.subarray(c.length - 16));
    try {
      return Buffer.concat([decipher.update(c.subarray(12, c.length - 16)), decipher.final()]);
    } catch (err) {
      throw new KeyMismatchError("fake: wrapped key was not made by this key/version for this binding", { cause: err });
    }
  }

  wrap(dek: Uint8Array, kek: KekRef, binding: KeyBinding): Promise<WrappedKey> {
    this.calls.push("wrap");
    this.received.push(Buffer.from(dek));
    return Promise.resolve(this.encrypt(dek, kek, binding));
  }

  unwrap(wrapped: WrappedKey, binding: KeyBinding): Promise<Uint8Array> {
    this.calls.push("unwrap");
    // A throw inside the executor becomes the rejection.
    return new Promise((resolve) => {
      const real = this.decrypt(wrapped, binding);
      const dek = this.substitute === undefined ? real : Buffer.from(this.substitute);
      this.handedOut.push(dek);
      resolve(dek);
    });
  }

  currentVersion(): Promise<string> {
    return Promise.resolve("1");
  }

  publicKey(): Promise<PublicKeyInfo | undefined> {
    return Promise.resolve(undefined);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The fake, plus a native rewrap that never hands the DEK out (like AWS KMS ReEncrypt). */
class RewrappingFakeBackend extends FakeBackend {
  rewrap(wrapped: WrappedKey, to: KekRef, binding: KeyBinding): Promise<WrappedKey> {
    this.calls.push("rewrap");
    const dek = this.decrypt(wrapped, binding);
    try {
      return Promise.resolve(this.encrypt(dek, to, binding));
    } finally {
      dek.fill(0);
    }
  }
}

/** A faulty backend: once `lossy` is set, wrap silently wraps some other key. */
class LossyBackend extends FakeBackend {
  lossy = false;

  override wrap(dek: Uint8Array, kek: KekRef, binding: KeyBinding): Promise<WrappedKey> {
    if (!this.lossy) return super.wrap(dek, kek, binding);
    this.calls.push("wrap");
    return Promise.resolve(this.encrypt(randomBytes(32), kek, binding));
  }
}

const KEK: KekRef = { key: "unit-kek", version: "1" };
const KEK_V2: KekRef = { key: "unit-kek", version: "2" };
const PLAINTEXTS = { password: "unit-plaintext-password-1", username: "unit-plaintext-user-2" };
const TEMPLATE: SecretTemplate = { type: "kubernetes.io/basic-auth", metadata: { labels: { app: "x" }, annotations: { "example.com/a": "b" } } };

function input(scope: Scope, template?: SecretTemplate): SealInput {
  const data = Object.fromEntries(Object.entries(PLAINTEXTS).map(([k, v]) => [k, Buffer.from(v)]));
  return { scope, namespace: "team-a", name: "db", data, ...(template !== undefined ? { template } : {}) };
}

function withKeyRef(sealed: SealedSpec): EncryptedSecretSpec {
  return { keyRef: { provider: "fake", key: KEK.key, version: "latest" }, ...sealed };
}

function text(values: Map<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...values].map(([k, v]) => [k, Buffer.from(v).toString()]));
}

function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/** randomBytes that remembers every buffer it returned, so a test can look at the DEK afterwards. */
function recordingRandom(): { fn: (n: number) => Uint8Array; issued: Buffer[] } {
  const issued: Buffer[] = [];
  return { issued, fn: (n) => {
    const b = randomBytes(n);
    issued.push(b);
    return b;
  } };
}

async function caught(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
}

const TARGET = { namespace: "team-a", name: "db" };
const SCOPES: [string, Scope, { namespace: string; name: string }][] = [
  ["strict opens for its own namespace and name", "strict", TARGET],
  ["namespace opens for another name in its namespace", "namespace", { namespace: "team-a", name: "other" }],
  ["cluster opens in any namespace", "cluster", { namespace: "elsewhere", name: "other" }],
];

describe("sealWithKey and openWithKey", () => {
  const dek = Buffer.alloc(32, 7);

  it.each(SCOPES)("a %s: %s", (_name, scope, target) => {
    const sealed = sealWithKey(dek, input(scope, TEMPLATE));
    const spec = { scope, template: TEMPLATE, envelope: { ...sealed.envelopeFields, key: "k", keyVersion: "1", algorithm: "A256GCM", wrappedKey: "AQID" }, encryptedData: sealed.encryptedData };
    expect(text(openWithKey(dek, spec, target))).toEqual(PLAINTEXTS);
  });

  it.each<[string, Scope, { namespace?: string; name?: string }]>([
    ["strict records namespace and name", "strict", { namespace: "team-a", name: "db" }],
    ["namespace records only the namespace", "namespace", { namespace: "team-a" }],
    ["cluster records neither", "cluster", {}],
  ])("the envelope of scope %s", (_name, scope, bound) => {
    const { envelopeFields } = sealWithKey(dek, input(scope));
    expect(envelopeFields).toEqual({ format: "v1", commitment: expect.any(String) as string, ...bound });
  });

  it("draws a fresh 12-byte nonce for every value", () => {
    const nonces = Object.values(sealWithKey(dek, input("strict")).encryptedData).map((v) => Buffer.from(v, "base64").subarray(0, 12).toString("hex"));
    expect(new Set(nonces).size).toBe(2);
    const again = sealWithKey(dek, input("strict")).encryptedData;
    expect(again["password"]).not.toBe(sealWithKey(dek, input("strict")).encryptedData["password"]);
  });

  it("gives the same output for a Map and a record with the same randomness", () => {
    const fixed = (): ((n: number) => Uint8Array) => (n) => Buffer.alloc(n, 1);
    const record = input("strict");
    const map = { ...record, data: new Map(Object.entries(record.data)) };
    expect(sealWithKey(dek, map, { randomBytes: fixed() })).toEqual(sealWithKey(dek, record, { randomBytes: fixed() }));
  });

  it("does not modify the caller's DEK or plaintexts", () => {
    const callerDek = Buffer.alloc(32, 9);
    const data = { a: Buffer.from("unit-plaintext-3") };
    const sealed = sealWithKey(callerDek, { scope: "cluster", data });
    openWithKey(callerDek, { scope: "cluster", envelope: { ...sealed.envelopeFields, key: "k", keyVersion: "1", algorithm: "A", wrappedKey: "AQID" }, encryptedData: sealed.encryptedData }, TARGET);
    expect(callerDek).toEqual(Buffer.alloc(32, 9));
    expect(data.a.toString()).toBe("unit-plaintext-3");
  });

  it("round-trips an empty value", () => {
    const sealed = sealWithKey(dek, { scope: "cluster", data: { empty: new Uint8Array(0) } });
    expect(Buffer.from(sealed.encryptedData["empty"]!, "base64").length).toBe(28);
    const spec = { scope: "cluster" as const, envelope: { ...sealed.envelopeFields, key: "k", keyVersion: "1", algorithm: "A", wrappedKey: "AQID" }, encryptedData: sealed.encryptedData };
    expect(openWithKey(dek, spec, TARGET).get("empty")?.length).toBe(0);
  });

  it.each([16, 31, 33, 0])("refuses to seal with a %i-byte DEK", (size) => {
    expect(() => sealWithKey(Buffer.alloc(size), input("strict"))).toThrow(RangeError);
  });

  it("refuses randomness that returns the wrong number of bytes", () => {
    expect(() => sealWithKey(dek, input("strict"), { randomBytes: () => Buffer.alloc(8) })).toThrow("randomBytes returned 8 bytes for a 12-byte nonce");
  });

  it("returns no plaintext at all when any value fails, and names the failing key", () => {
    const sealed = sealWithKey(dek, input("strict"));
    const tampered = Buffer.from(sealed.encryptedData["username"]!, "base64");
    tampered[20] = tampered[20]! ^ 1;
    const spec = { scope: "strict" as const, envelope: { ...sealed.envelopeFields, key: "k", keyVersion: "1", algorithm: "A", wrappedKey: "AQID" }, encryptedData: { ...sealed.encryptedData, username: tampered.toString("base64") } };
    expect(() => openWithKey(dek, spec, TARGET)).toThrow(DecryptFailedError);
    expect(() => openWithKey(dek, spec, TARGET)).toThrow('value "username" failed authentication (tampered, moved from another key/object, or the template changed)');
  });
});

describe("seal and open with a key backend", () => {
  it.each(SCOPES)("a %s: %s", async (_name, scope, target) => {
    const backend = new FakeBackend();
    const spec = withKeyRef(await seal(backend, KEK, input(scope, TEMPLATE)));
    expect(spec.envelope).toMatchObject({ format: "v1", key: "unit-kek", keyVersion: "1", algorithm: "A256GCM" });
    expect(spec.template).toEqual(TEMPLATE);
    expect(text(await open(backend, parseSpec(spec), target))).toEqual(PLAINTEXTS);
    expect(backend.calls).toEqual(["wrap", "unwrap"]);
  });

  it.each<[string, Scope, KeyBinding]>([
    ["strict passes namespace and name", "strict", { scope: "strict", namespace: "team-a", name: "db" }],
    ["namespace passes the namespace only", "namespace", { scope: "namespace", namespace: "team-a", name: "" }],
    ["cluster passes neither", "cluster", { scope: "cluster", namespace: "", name: "" }],
  ])("the binding given to the backend: %s", async (_name, scope, binding) => {
    const seen: KeyBinding[] = [];
    const backend = new FakeBackend();
    const spy: KeyBackend = Object.assign(Object.create(backend) as FakeBackend, {
      wrap: (dek: Uint8Array, kek: KekRef, b: KeyBinding) => {
        seen.push(b);
        return backend.wrap(dek, kek, b);
      },
    });
    await seal(spy, KEK, input(scope));
    expect(seen).toEqual([binding]);
    expect(bindingFor(scope, "team-a", "db")).toEqual(binding);
  });

  it.each<[string, { namespace: string; name: string }]>([
    ["another namespace", { namespace: "team-b", name: "db" }],
    ["another name", { namespace: "team-a", name: "db-copy" }],
  ])("open rejects a copy in %s without calling the backend", async (_name, target) => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.calls.length = 0;
    await expect(open(backend, spec, target)).rejects.toThrow(BindingMismatchError);
    expect(backend.calls).toEqual([]);
  });

  it("seal refuses to record \"latest\" as the wrapping key version", async () => {
    await expect(seal(new FakeBackend(), { key: "unit-kek", version: "latest" }, input("strict"))).rejects.toThrow('envelope.keyVersion: must be a concrete version, not "latest"');
  });

  it("open rejects a malformed envelope without calling the backend", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.calls.length = 0;
    const broken = { ...spec, envelope: { ...spec.envelope, commitment: "AAAA" } };
    await expect(open(backend, broken, TARGET)).rejects.toThrow(MalformedEnvelopeError);
    expect(backend.calls).toEqual([]);
  });

  it("open reports a substituted DEK as a wrong key before decrypting anything", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.substitute = Buffer.alloc(32, 1);
    await expect(open(backend, spec, TARGET)).rejects.toThrow(WrongKeyError);
    await expect(open(backend, spec, TARGET)).rejects.toThrow("data key does not match the envelope's key commitment (wrong or substituted key)");
  });

  it("open passes the backend's own errors through unchanged", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    const other = new FakeBackend();
    await expect(open(other, spec, TARGET)).rejects.toThrow(KeyMismatchError);
  });

  it("unwrapDek returns a DEK already checked against the commitment", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    const dek = await unwrapDek(backend, spec.envelope, bindingFor("strict", "team-a", "db"));
    expect(() => verifyCommitment(dek, spec.envelope)).not.toThrow();
    expect(text(openWithKey(dek, spec, TARGET))).toEqual(PLAINTEXTS);
    expect(() => verifyCommitment(Buffer.alloc(32), spec.envelope)).toThrow(WrongKeyError);
  });

  it("unwrapDek checks the clear binding before calling the backend", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.calls.length = 0;
    await expect(unwrapDek(backend, spec.envelope, bindingFor("strict", "team-b", "db"))).rejects.toThrow(BindingMismatchError);
    expect(backend.calls).toEqual([]);
  });
});

describe("DEK zeroing", () => {
  it("seal zeroes the DEK it generated, after the backend saw the real key", async () => {
    const random = recordingRandom();
    const backend = new FakeBackend();
    await seal(backend, KEK, input("strict"), { randomBytes: random.fn });
    const dek = random.issued[0]!;
    expect(dek.length).toBe(32);
    expect(isZero(dek)).toBe(true);
    expect(isZero(backend.received[0]!)).toBe(false);
  });

  it("seal zeroes the DEK when the backend fails", async () => {
    const random = recordingRandom();
    const backend = new FakeBackend();
    backend.wrap = () => Promise.reject(new Error("backend down"));
    await expect(seal(backend, KEK, input("strict"), { randomBytes: random.fn })).rejects.toThrow("backend down");
    expect(isZero(random.issued[0]!)).toBe(true);
  });

  it("seal zeroes the DEK when the input is invalid", async () => {
    const random = recordingRandom();
    await expect(seal(new FakeBackend(), KEK, { scope: "strict", data: {} }, { randomBytes: random.fn })).rejects.toThrow(InvalidSpecError);
    expect(random.issued.every(isZero)).toBe(true);
  });

  it("open zeroes the DEK the backend returned", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    await open(backend, spec, TARGET);
    expect(backend.handedOut).toHaveLength(1);
    expect(isZero(backend.handedOut[0]!)).toBe(true);
  });

  it.each<[string, (spec: SealedSpec, backend: FakeBackend) => SealedSpec]>([
    ["the commitment does not match", (spec, backend) => {
      backend.substitute = Buffer.alloc(32, 3);
      return spec;
    }],
    ["a value fails authentication", (spec) => ({ ...spec, template: { type: "Opaque", immutable: true } })],
  ])("open zeroes the DEK when %s", async (_name, spoil) => {
    const backend = new FakeBackend();
    const spec = spoil(await seal(backend, KEK, input("strict")), backend);
    await expect(open(backend, spec, TARGET)).rejects.toThrow();
    expect(backend.handedOut.length).toBeGreaterThan(0);
    expect(backend.handedOut.every(isZero)).toBe(true);
  });

  it("unwrapDek zeroes a DEK that fails the commitment check", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.substitute = Buffer.alloc(32, 3);
    await expect(unwrapDek(backend, spec.envelope, bindingFor("strict", "team-a", "db"))).rejects.toThrow(WrongKeyError);
    expect(backend.handedOut.every(isZero)).toBe(true);
  });

  it("rewrapEnvelope zeroes every DEK it was handed", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    await rewrapEnvelope(backend, spec.envelope, KEK_V2, bindingFor("strict", "team-a", "db"));
    expect(backend.handedOut).toHaveLength(2);
    expect(backend.handedOut.every(isZero)).toBe(true);
  });
});

describe("error messages", () => {
  const dek = Buffer.alloc(32, 0x5a);

  function secrets(): string[] {
    const key = deriveDataKey(dek);
    const forbidden = [...Object.values(PLAINTEXTS), dek.toString("hex"), dek.toString("base64"), key.toString("hex"), key.toString("base64")];
    key.fill(0);
    return forbidden;
  }

  function spec(): EncryptedSecretSpec {
    const sealed = sealWithKey(dek, input("strict"));
    return { keyRef: { provider: "p", key: "k", version: "1" }, scope: "strict", envelope: { ...sealed.envelopeFields, key: "k", keyVersion: "1", algorithm: "A", wrappedKey: "AQID" }, encryptedData: sealed.encryptedData };
  }

  it.each<[string, () => unknown]>([
    ["a binding mismatch", () => openWithKey(dek, spec(), { namespace: "x", name: "db" })],
    ["a wrong key", () => openWithKey(Buffer.alloc(32, 1), spec(), TARGET)],
    ["a tampered value", () => openWithKey(dek, { ...spec(), template: { type: "kubernetes.io/tls" } }, TARGET)],
    ["a swapped value", () => {
      const s = spec();
      return openWithKey(dek, { ...s, encryptedData: { password: s.encryptedData["username"]!, username: s.encryptedData["password"]! } }, TARGET);
    }],
    ["a truncated value", () => openWithKey(dek, { ...spec(), encryptedData: { password: "AAAA" } }, TARGET)],
    ["non-canonical base64", () => openWithKey(dek, { ...spec(), encryptedData: { password: `${spec().encryptedData["password"]!} ` } }, TARGET)],
    ["an invalid seal input", () => sealWithKey(dek, { scope: "strict", namespace: "team-a", name: "db", data: { "bad key": Buffer.from(PLAINTEXTS.password) } })],
    ["too much data", () => sealWithKey(dek, { scope: "cluster", data: { a: Buffer.alloc(1_048_577, PLAINTEXTS.password) } })],
  ])("never contain a plaintext, the DEK or a derived key: %s", async (_name, run) => {
    const err = await caught(run);
    const messages: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message, String(e.stack));
    for (const forbidden of secrets()) {
      for (const message of messages) expect(message).not.toContain(forbidden);
    }
  });
});

describe("rewrapEnvelope", () => {
  const binding = bindingFor("strict", "team-a", "db");

  it("moves the DEK to the new version and keeps values and commitment byte-identical", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict", TEMPLATE));
    backend.calls.length = 0;
    const envelope = await rewrapEnvelope(backend, spec.envelope, KEK_V2, binding);
    expect(backend.calls).toEqual(["unwrap", "wrap", "unwrap"]);
    expect(envelope).toEqual({ ...spec.envelope, keyVersion: "2", wrappedKey: expect.any(String) as string });
    expect(envelope.wrappedKey).not.toBe(spec.envelope.wrappedKey);
    expect(envelope.commitment).toBe(spec.envelope.commitment);
    const rewrapped = { ...spec, envelope };
    expect(rewrapped.encryptedData).toBe(spec.encryptedData);
    expect(text(await open(backend, rewrapped, TARGET))).toEqual(PLAINTEXTS);
  });

  it("uses the backend's own rewrap when it has one, then verifies the result", async () => {
    const backend = new RewrappingFakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.calls.length = 0;
    const envelope = await rewrapEnvelope(backend, spec.envelope, KEK_V2, binding);
    expect(backend.calls).toEqual(["rewrap", "unwrap"]);
    expect(envelope.keyVersion).toBe("2");
    expect(text(await open(backend, { ...spec, envelope }, TARGET))).toEqual(PLAINTEXTS);
  });

  it("refuses a new wrap that does not unwrap to the committed DEK", async () => {
    const backend = new LossyBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.lossy = true;
    backend.calls.length = 0;
    await expect(rewrapEnvelope(backend, spec.envelope, KEK_V2, binding)).rejects.toThrow(WrongKeyError);
    // The old DEK passed its check; the failure is the verification of the new wrap.
    expect(backend.calls).toEqual(["unwrap", "wrap", "unwrap"]);
  });

  it("checks the clear binding before calling the backend", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.calls.length = 0;
    await expect(rewrapEnvelope(backend, spec.envelope, KEK_V2, bindingFor("strict", "team-b", "db"))).rejects.toThrow(BindingMismatchError);
    expect(backend.calls).toEqual([]);
  });

  it("refuses to rewrap an envelope whose DEK does not match its commitment", async () => {
    const backend = new FakeBackend();
    const spec = await seal(backend, KEK, input("strict"));
    backend.substitute = Buffer.alloc(32, 2);
    await expect(rewrapEnvelope(backend, spec.envelope, KEK_V2, binding)).rejects.toThrow(WrongKeyError);
    expect(backend.calls.filter((c) => c === "wrap")).toHaveLength(1);
  });
});

describe("sealOffline", () => {
  let rsa: { publicKey: string; privateKey: string };
  beforeAll(() => {
    rsa = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  });

  it.each([
    ["RSA-OAEP-256 wraps with OAEP SHA-256", "RSA-OAEP-256", "sha256"],
    ["RSA-OAEP wraps with OAEP SHA-1", "RSA-OAEP", "sha1"],
  ])("%s, and the private key unwraps a DEK that opens the envelope", async (_name, algorithm, hash) => {
    const random = recordingRandom();
    const sealed = await sealOffline({ pem: rsa.publicKey, algorithm, kek: KEK }, input("strict"), { randomBytes: random.fn });
    expect(sealed.envelope).toMatchObject({ algorithm, key: KEK.key, keyVersion: KEK.version });
    expect(isZero(random.issued[0]!)).toBe(true);
    const dek = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, Buffer.from(sealed.envelope.wrappedKey, "base64"));
    expect(text(openWithKey(dek, sealed, TARGET))).toEqual(PLAINTEXTS);
  });

  it.each<[string, () => string, string, string]>([
    ["a 1024-bit RSA key", () => generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString(), "RSA-OAEP-256", "public key is 1024-bit RSA, at least 2048 bits required"],
    ["an EC key", () => generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString(), "RSA-OAEP-256", "public key is ec, expected rsa"],
    ["an unknown algorithm", () => rsa.publicKey, "RSA1_5", 'public key algorithm "RSA1_5" cannot seal offline'],
    ["text that is not a PEM key", () => "not a key", "RSA-OAEP-256", "public key is not a readable PEM public key"],
  ])("rejects %s", async (_name, pem, algorithm, message) => {
    const sealing = sealOffline({ pem: pem(), algorithm, kek: KEK }, input("strict"));
    await expect(sealing).rejects.toThrow(ProviderMisconfiguredError);
    await expect(sealOffline({ pem: pem(), algorithm, kek: KEK }, input("strict"))).rejects.toThrow(message);
  });
});
