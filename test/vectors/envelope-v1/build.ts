// Builds the envelope format v1 test vectors (see README.md) from fixed DEKs, nonces and inputs.
// Pure and deterministic: generate.ts writes its output, and test/unit/envelope-vectors.test.ts checks
// that the committed files still equal it. Every plaintext and key here is an obvious test value.
import type { EncryptedSecretSpec, Scope, SecretTemplate } from "../../../src/api/v1alpha1/types.ts";
import { aadContext, bindingFor, buildAad, keySetDigest, templateDigest } from "../../../src/envelope/binding.ts";
import { deriveCommitment, deriveDataKey } from "../../../src/envelope/kdf.ts";
import { openWithKey, parseSpec, sealWithKey } from "../../../src/envelope/index.ts";
import type { RandomBytes } from "../../../src/envelope/index.ts";

/** A plaintext in a vector: UTF-8 text, or hex for binary values. */
export type VectorBytes = { readonly utf8: string } | { readonly hex: string };

export interface PositiveVector {
  description: string;
  /** The data key, hex. A test value: never use a DEK from a vector. */
  dek: string;
  input: {
    scope: Scope;
    namespace?: string;
    name?: string;
    template?: SecretTemplate;
    data: Record<string, VectorBytes>;
  };
  /** Nonce per key (hex), drawn in the UTF-8 byte order of the key names. */
  nonces: Record<string, string>;
  /** The object the envelope is opened for. */
  target: { namespace: string; name: string };
  intermediate: {
    /** K_enc = HKDF-SHA256(DEK, salt = 32 zero bytes, info = "envelope.dev/v1 data encryption key", 32), hex. */
    dataKey: string;
    /** C = HKDF-SHA256(DEK, salt = 32 zero bytes, info = "envelope.dev/v1 key commitment", 32), hex. */
    commitment: string;
    templateDigest: string;
    keySetDigest: string;
    /** Associated data per key, hex. */
    aad: Record<string, string>;
  };
  expected: {
    envelopeFields: { format: string; commitment: string; namespace?: string; name?: string };
    encryptedData: Record<string, string>;
  };
  /** A complete spec; its wrappedKey is a placeholder (vectors start at the DEK). */
  spec: EncryptedSecretSpec;
}

export type ExpectedError =
  | "BindingMismatchError"
  | "DecryptFailedError"
  | "InvalidSpecError"
  | "MalformedEnvelopeError"
  | "UnsupportedFormatError"
  | "WrongKeyError";

export interface NegativeCase {
  name: string;
  description: string;
  /** The positive vector the case was derived from. */
  base: string;
  dek: string;
  target: { namespace: string; name: string };
  /** Untrusted input: parse it with parseSpec, then open it with the DEK for the target. */
  spec: unknown;
  expected: { error: ExpectedError; reason: string; messageIncludes: string };
}

export interface NegativeVectors {
  description: string;
  cases: NegativeCase[];
}

const PLACEHOLDER_WRAP = {
  key: "vector-kek",
  keyVersion: "1",
  algorithm: "VECTOR-PLACEHOLDER",
  wrappedKey: Buffer.from("placeholder, not a wrapped key: vectors start at the DEK").toString("base64"),
};

function hexRange(first: number, count: number): string {
  return Buffer.from(Array.from({ length: count }, (_, i) => (first + i) & 0xff)).toString("hex");
}

export function vectorBytes(v: VectorBytes): Buffer {
  return "utf8" in v ? Buffer.from(v.utf8, "utf8") : Buffer.from(v.hex, "hex");
}

/** Returns the given byte strings in order; anything else is a bug in the vector. */
export function fixedRandom(hexValues: readonly string[]): RandomBytes {
  const queue = hexValues.map((h) => Buffer.from(h, "hex"));
  return (size) => {
    const next = queue.shift();
    if (next?.length !== size) throw new Error(`fixed randomness exhausted or wrong size (${size})`);
    return next;
  };
}

interface VectorSource {
  description: string;
  dek: string;
  input: PositiveVector["input"];
  nonceSeed: number;
  target: PositiveVector["target"];
}

const SOURCES: Record<string, VectorSource> = {
  "strict-opaque": {
    description: "Scope strict, no template (type Opaque, mutable, Secret named after the object), two values.",
    dek: hexRange(0x00, 32),
    input: { scope: "strict", namespace: "vectors", name: "db-credentials", data: { username: { utf8: "vector-plaintext-1" }, password: { utf8: "vector-plaintext-2" } } },
    nonceSeed: 0x10,
    target: { namespace: "vectors", name: "db-credentials" },
  },
  "namespace-basic-auth": {
    description: "Scope namespace (any name in the namespace opens it), a full template with Secret name, labels and annotations.",
    dek: hexRange(0x20, 32),
    input: {
      scope: "namespace",
      namespace: "vectors",
      template: {
        type: "kubernetes.io/basic-auth",
        metadata: {
          name: "vector-app-auth",
          labels: { "app.kubernetes.io/name": "vector-app", tier: "" },
          annotations: { "example.com/owner": "vector team", "example.com/note": "vector note ✓ (UTF-8)" },
        },
      },
      data: { username: { utf8: "vector-plaintext-3" }, password: { utf8: "vector-plaintext-4" } },
    },
    nonceSeed: 0x40,
    target: { namespace: "vectors", name: "any-name" },
  },
  "cluster-immutable-binary": {
    description: "Scope cluster (opens anywhere), immutable Opaque Secret, a binary value, an empty value and key names that sort differently from insertion order.",
    dek: hexRange(0x60, 32),
    input: {
      scope: "cluster",
      template: { type: "Opaque", immutable: true },
      data: { "tls.crt": { utf8: "vector-plaintext-5" }, empty: { utf8: "" }, ".dot_key-1": { hex: "00ff10e29c93f09f9880" }, Zed: { utf8: "vector-plaintext-6" } },
    },
    nonceSeed: 0x70,
    target: { namespace: "elsewhere", name: "anything" },
  },
};

function sortedKeys(data: Record<string, unknown>): string[] {
  return Object.keys(data).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function buildPositive(src: VectorSource): PositiveVector {
  const dek = Buffer.from(src.dek, "hex");
  const keys = sortedKeys(src.input.data);
  const nonces = Object.fromEntries(keys.map((k, i) => [k, hexRange(src.nonceSeed + i * 12, 12)]));
  const data = new Map(keys.map((k) => [k, vectorBytes(src.input.data[k]!)]));
  const sealed = sealWithKey(dek, { ...src.input, data }, { randomBytes: fixedRandom(keys.map((k) => nonces[k]!)) });
  const context = aadContext(bindingFor(src.input.scope, src.target.namespace, src.target.name), src.input.template, keys);
  const spec: EncryptedSecretSpec = {
    keyRef: { provider: "vectors", key: PLACEHOLDER_WRAP.key, version: PLACEHOLDER_WRAP.keyVersion },
    scope: src.input.scope,
    envelope: { ...sealed.envelopeFields, ...PLACEHOLDER_WRAP },
    encryptedData: sealed.encryptedData,
    ...(src.input.template !== undefined ? { template: src.input.template } : {}),
  };
  // A vector that does not open is a bug in the generator, not a negative vector.
  openWithKey(dek, parseSpec(spec), src.target);
  return {
    description: src.description,
    dek: src.dek,
    input: src.input,
    nonces,
    target: src.target,
    intermediate: {
      dataKey: deriveDataKey(dek).toString("hex"),
      commitment: deriveCommitment(dek).toString("hex"),
      templateDigest: templateDigest(src.input.template).toString("hex"),
      keySetDigest: keySetDigest(keys).toString("hex"),
      aad: Object.fromEntries(keys.map((k) => [k, buildAad(context, k).toString("hex")])),
    },
    expected: sealed,
    spec,
  };
}

export function buildPositiveVectors(): Record<string, PositiveVector> {
  return Object.fromEntries(Object.entries(SOURCES).map(([name, src]) => [name, buildPositive(src)]));
}
