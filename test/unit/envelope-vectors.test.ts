// Envelope format v1 golden vectors (test/vectors/envelope-v1): sealing with the fixed DEK and nonces
// reproduces every byte, opening yields the plaintexts, every negative case fails with its error
// class, and a reference decryptor written from docs/format.md alone agrees with all of it.
import { createDecipheriv, createHash, hkdfSync } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SecretTemplate } from "../../src/api/v1alpha1/types.ts";
import * as errors from "../../src/errors.ts";
import { open, openWithKey, parseSpec, sealWithKey } from "../../src/envelope/index.ts";
import type { KeyBackend } from "../../src/kms/types.ts";
import { fixedRandom, vectorBytes, type NegativeVectors, type PositiveVector } from "../vectors/envelope-v1/build.ts";
import { vectorFiles } from "../vectors/envelope-v1/generate.ts";

const DIR = new URL("../vectors/envelope-v1/", import.meta.url);
const read = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, DIR), "utf8")) as T;
const POSITIVE_FILES = readdirSync(DIR).filter((f) => f.endsWith(".json") && f !== "negative.json").sort();
const positives: [string, PositiveVector][] = POSITIVE_FILES.map((f) => [f, read<PositiveVector>(f)]);
const negatives = read<NegativeVectors>("negative.json").cases;

function plaintexts(v: PositiveVector): Record<string, string> {
  return Object.fromEntries(Object.entries(v.input.data).map(([k, b]) => [k, vectorBytes(b).toString("hex")]));
}

function hex(values: Map<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...values].map(([k, b]) => [k, Buffer.from(b).toString("hex")]));
}

/** Reference reader, from docs/format.md only (no import from src/envelope). Positive path only. */
const reference = {
  lp(value: string | Buffer): Buffer {
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    return Buffer.concat([len, bytes]);
  },
  count(n: number): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(n);
    return out;
  },
  sorted(names: string[]): string[] {
    return [...names].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
  },
  hkdf(dek: Buffer, info: string): Buffer {
    return Buffer.from(hkdfSync("sha256", dek, Buffer.alloc(32), Buffer.from(info, "utf8"), 32));
  },
  pairs(map: Record<string, string> | undefined): Buffer[] {
    const keys = reference.sorted(Object.keys(map ?? {}));
    return [reference.count(keys.length), ...keys.flatMap((k) => [reference.lp(k), reference.lp(map![k]!)])];
  },
  templateDigest(t: SecretTemplate | undefined): Buffer {
    const encoded = Buffer.concat([
      reference.lp(t?.type ?? "Opaque"),
      reference.lp(t?.immutable === true ? "true" : "false"),
      reference.lp(t?.metadata?.name ?? ""),
      ...reference.pairs(t?.metadata?.labels),
      ...reference.pairs(t?.metadata?.annotations),
    ]);
    return createHash("sha256").update(encoded).digest();
  },
  keySetDigest(names: string[]): Buffer {
    const sorted = reference.sorted(names);
    return createHash("sha256").update(Buffer.concat([reference.count(sorted.length), ...sorted.map((k) => reference.lp(k))])).digest();
  },
  aad(v: PositiveVector, key: string): Buffer {
    const { scope } = v.spec;
    const namespace = scope === "cluster" ? "" : v.target.namespace;
    const name = scope === "strict" ? v.target.name : "";
    const names = Object.keys(v.spec.encryptedData);
    return Buffer.concat([
      ...["envelope.dev/v1", "envelope.dev/EncryptedSecret", scope, namespace, name].map((f) => reference.lp(f)),
      reference.lp(reference.templateDigest(v.spec.template)),
      reference.lp(reference.keySetDigest(names)),
      reference.lp(key),
    ]);
  },
  decrypt(key: Buffer, aad: Buffer, stored: Buffer): Buffer {
    const d = createDecipheriv("aes-256-gcm", key, stored.subarray(0, 12), { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(stored.subarray(stored.length - 16));
    return Buffer.concat([d.update(stored.subarray(12, stored.length - 16)), d.final()]);
  },
};

describe("envelope v1 vectors", () => {
  it("the committed vector files are exactly what generate.ts produces", () => {
    const generated = vectorFiles();
    expect(Object.keys(generated).sort()).toEqual([...POSITIVE_FILES, "negative.json"].sort());
    for (const [file, text] of Object.entries(generated)) expect(readFileSync(new URL(file, DIR), "utf8"), file).toBe(text);
  });

  it("cover every scope and at least one negative case per error class", () => {
    expect(new Set(positives.map(([, v]) => v.spec.scope))).toEqual(new Set(["strict", "namespace", "cluster"]));
    expect(new Set(negatives.map((c) => c.expected.error))).toEqual(
      new Set(["BindingMismatchError", "DecryptFailedError", "InvalidSpecError", "MalformedEnvelopeError", "UnsupportedFormatError", "WrongKeyError"]),
    );
  });

  describe.each(positives)("%s", (_file, v) => {
    const dek = Buffer.from(v.dek, "hex");

    it("sealing with the vector's DEK and nonces reproduces the envelope byte for byte", () => {
      const keys = reference.sorted(Object.keys(v.input.data));
      const data = new Map(Object.entries(v.input.data).map(([k, b]) => [k, vectorBytes(b)]));
      const sealed = sealWithKey(dek, { ...v.input, data }, { randomBytes: fixedRandom(keys.map((k) => v.nonces[k]!)) });
      expect(sealed).toEqual(v.expected);
      expect(Object.keys(sealed.encryptedData)).toEqual(keys);
    });

    it("opening the spec yields the plaintexts", () => {
      expect(hex(openWithKey(dek, parseSpec(v.spec), v.target))).toEqual(plaintexts(v));
    });

    it("a reader written from docs/format.md derives the same keys, digests and AAD and decrypts every value", () => {
      const dataKey = reference.hkdf(dek, "envelope.dev/v1 data encryption key");
      const commitment = reference.hkdf(dek, "envelope.dev/v1 key commitment");
      expect(dataKey.toString("hex")).toBe(v.intermediate.dataKey);
      expect(commitment.toString("hex")).toBe(v.intermediate.commitment);
      expect(commitment.toString("base64")).toBe(v.spec.envelope.commitment);
      expect(reference.templateDigest(v.spec.template).toString("hex")).toBe(v.intermediate.templateDigest);
      expect(reference.keySetDigest(Object.keys(v.spec.encryptedData)).toString("hex")).toBe(v.intermediate.keySetDigest);
      for (const [key, stored] of Object.entries(v.spec.encryptedData)) {
        const aad = reference.aad(v, key);
        expect(aad.toString("hex"), key).toBe(v.intermediate.aad[key]);
        expect(reference.decrypt(dataKey, aad, Buffer.from(stored, "base64")).toString("hex"), key).toBe(plaintexts(v)[key]);
      }
    });
  });

  describe("negative vectors", () => {
    const unwrapTo = (dekHex: string): KeyBackend & { calls: number } => {
      const fake = {
        type: "fake",
        calls: 0,
        wrap: () => Promise.reject(new Error("not used")),
        unwrap: () => {
          fake.calls++;
          return Promise.resolve(Buffer.from(dekHex, "hex"));
        },
        currentVersion: () => Promise.resolve("1"),
        publicKey: () => Promise.resolve(undefined),
        close: () => Promise.resolve(),
      };
      return fake;
    };

    it.each(negatives.map((c) => [c.name, c] as const))("%s: parse and openWithKey fail with the expected error", (_name, c) => {
      const ErrorClass = errors[c.expected.error];
      let thrown: unknown;
      try {
        openWithKey(Buffer.from(c.dek, "hex"), parseSpec(c.spec), c.target);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ErrorClass);
      expect((thrown as errors.OperatorError).reason).toBe(c.expected.reason);
      expect((thrown as Error).message).toContain(c.expected.messageIncludes);
    });

    it.each(negatives.map((c) => [c.name, c] as const))("%s: open() fails the same way, and only calls the backend once the spec and binding are valid", async (_name, c) => {
      const backend = unwrapTo(c.dek);
      await expect(open(backend, c.spec as Parameters<typeof open>[1], c.target)).rejects.toThrow(errors[c.expected.error]);
      const keyless = ["BindingMismatchError", "InvalidSpecError", "MalformedEnvelopeError", "UnsupportedFormatError"].includes(c.expected.error);
      expect(backend.calls).toBe(keyless ? 0 : 1);
    });
  });
});
