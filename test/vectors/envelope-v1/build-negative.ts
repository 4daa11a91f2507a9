// Builds the negative envelope v1 vectors: each case is a positive vector's spec, target or DEK with
// one thing changed, and the error class a conforming reader must raise for it (docs/format.md,
// "Opening"). Deterministic, like build.ts.
import { sealWithKey } from "../../../src/envelope/index.ts";
import { deriveCommitment } from "../../../src/envelope/kdf.ts";
import { fixedRandom, vectorBytes, type ExpectedError, type NegativeCase, type NegativeVectors, type PositiveVector } from "./build.ts";

type MutableSpec = {
  scope: string;
  envelope: Record<string, unknown>;
  encryptedData: Record<string, unknown>;
  template?: { type?: string; immutable?: boolean; metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, unknown> } };
  [field: string]: unknown;
};

interface CaseDef {
  name: string;
  description: string;
  base: string;
  mutate?: (spec: MutableSpec) => void;
  target?: { namespace: string; name: string };
  dek?: string;
  error: ExpectedError;
  messageIncludes: string;
}

const REASONS: Record<ExpectedError, string> = {
  BindingMismatchError: "BindingMismatch",
  DecryptFailedError: "DecryptFailed",
  InvalidSpecError: "InvalidSpec",
  MalformedEnvelopeError: "MalformedEnvelope",
  UnsupportedFormatError: "UnsupportedFormat",
  WrongKeyError: "WrongKey",
};

/** A DEK no positive vector uses. */
const OTHER_DEK = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
const AUTH_FAILED = "failed authentication";

function editBytes(b64: unknown, edit: (bytes: Buffer) => Buffer): string {
  return edit(Buffer.from(b64 as string, "base64")).toString("base64");
}

function flipBit(index: (length: number) => number): (bytes: Buffer) => Buffer {
  return (bytes) => {
    const out = Buffer.from(bytes);
    const i = index(out.length);
    out[i] = out[i]! ^ 0x01;
    return out;
  };
}

/** Sets the pad bits of a value ending in "==" (one trailing byte), which canonical base64 keeps zero. */
function nonZeroPadBits(b64: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (!b64.endsWith("==")) throw new Error("vector value has no '==' padding");
  const last = alphabet.indexOf(b64.at(-3)!);
  return `${b64.slice(0, -3)}${alphabet[last | 0b0001]}==`;
}

/** The password value of the strict vector, sealed again with another DEK: a replay from another envelope. */
function replayedPassword(strict: PositiveVector): string {
  const data = new Map([["password", vectorBytes(strict.input.data["password"]!)]]);
  const input = { ...strict.input, data };
  return sealWithKey(OTHER_DEK, input, { randomBytes: fixedRandom(["f0f1f2f3f4f5f6f7f8f9fafb"]) }).encryptedData["password"]!;
}

function urlSafeCandidate(positives: Record<string, PositiveVector>): { base: string; key: string } {
  for (const [base, v] of Object.entries(positives)) {
    for (const [key, value] of Object.entries(v.expected.encryptedData)) {
      if (/[+/]/.test(value)) return { base, key };
    }
  }
  throw new Error("no vector value contains '+' or '/'");
}

function bindingCases(): CaseDef[] {
  return [
    { name: "wrong namespace", description: "A strict envelope copied to another namespace.", base: "strict-opaque", target: { namespace: "other", name: "db-credentials" }, error: "BindingMismatchError", messageIncludes: 'sealed for namespace "vectors" but the object is in namespace "other"' },
    { name: "wrong name", description: "A strict envelope copied to another name in the same namespace.", base: "strict-opaque", target: { namespace: "vectors", name: "other-name" }, error: "BindingMismatchError", messageIncludes: 'sealed for name "db-credentials" but the object is named "other-name"' },
    { name: "wrong namespace, scope namespace", description: "A namespace-scoped envelope copied to another namespace.", base: "namespace-basic-auth", target: { namespace: "other", name: "any-name" }, error: "BindingMismatchError", messageIncludes: 'sealed for namespace "vectors" but the object is in namespace "other"' },
    { name: "clear namespace edited to match the copy", description: "Copied to namespace other, and envelope.namespace edited to match: the AAD uses the actual namespace.", base: "strict-opaque", target: { namespace: "other", name: "db-credentials" }, mutate: (s) => void (s.envelope["namespace"] = "other"), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "clear name edited to match the copy", description: "Copied to name other-name, and envelope.name edited to match.", base: "strict-opaque", target: { namespace: "vectors", name: "other-name" }, mutate: (s) => void (s.envelope["name"] = "other-name"), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "scope downgraded from strict to namespace", description: "scope set to namespace and envelope.name removed.", base: "strict-opaque", mutate: (s) => { s.scope = "namespace"; delete s.envelope["name"]; }, error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "scope downgraded from strict to cluster", description: "scope set to cluster and the bound fields removed.", base: "strict-opaque", mutate: (s) => { s.scope = "cluster"; delete s.envelope["namespace"]; delete s.envelope["name"]; }, error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "scope downgraded from namespace to cluster", description: "scope set to cluster and envelope.namespace removed.", base: "namespace-basic-auth", mutate: (s) => { s.scope = "cluster"; delete s.envelope["namespace"]; }, error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
  ];
}

function keySetCases(replayed: string): CaseDef[] {
  return [
    { name: "values swapped between keys", description: "The ciphertexts of password and username exchanged.", base: "strict-opaque", mutate: (s) => { [s.encryptedData["password"], s.encryptedData["username"]] = [s.encryptedData["username"], s.encryptedData["password"]]; }, error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "key removed", description: "username removed: the key-set digest changes for every remaining value.", base: "strict-opaque", mutate: (s) => void delete s.encryptedData["username"], error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "key added", description: "A copy of password added under a new key.", base: "strict-opaque", mutate: (s) => void (s.encryptedData["password-copy"] = s.encryptedData["password"]), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "key renamed", description: "password moved to key pass.", base: "strict-opaque", mutate: (s) => { s.encryptedData["pass"] = s.encryptedData["password"]; delete s.encryptedData["password"]; }, error: "DecryptFailedError", messageIncludes: `value "pass" ${AUTH_FAILED}` },
    { name: "value replayed from another envelope", description: "password replaced by the same key's value from another seal of the same object (another DEK).", base: "strict-opaque", mutate: (s) => void (s.encryptedData["password"] = replayed), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
  ];
}

function templateCases(): CaseDef[] {
  const meta = (s: MutableSpec): NonNullable<NonNullable<MutableSpec["template"]>["metadata"]> => s.template!.metadata!;
  return [
    { name: "Secret type changed", description: "template.type changed from kubernetes.io/basic-auth to Opaque.", base: "namespace-basic-auth", mutate: (s) => void (s.template!.type = "Opaque"), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "label changed", description: "Label tier changed from empty to frontend.", base: "namespace-basic-auth", mutate: (s) => void (meta(s).labels!["tier"] = "frontend"), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "annotation added", description: "A replication annotation added (it would copy the Secret into other namespaces).", base: "namespace-basic-auth", mutate: (s) => void (meta(s).annotations!["replicator.v1.mittwald.de/replicate-to"] = "*"), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "annotation removed", description: "Annotation example.com/owner removed.", base: "namespace-basic-auth", mutate: (s) => void delete meta(s).annotations!["example.com/owner"], error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "Secret name changed", description: "template.metadata.name changed.", base: "namespace-basic-auth", mutate: (s) => void (meta(s).name = "other-secret"), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "template added", description: "A template with a reflection annotation added to an envelope sealed without one.", base: "strict-opaque", mutate: (s) => void (s.template = { metadata: { annotations: { "reflector.v1.k8s.emberstack.com/reflection-allowed": "true" } } }), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "immutable flipped", description: "template.immutable changed from true to false.", base: "cluster-immutable-binary", mutate: (s) => void (s.template!.immutable = false), error: "DecryptFailedError", messageIncludes: `value ".dot_key-1" ${AUTH_FAILED}` },
  ];
}

function valueCases(urlSafe: { base: string; key: string }): CaseDef[] {
  const edit = (key: string, f: (bytes: Buffer) => Buffer) => (s: MutableSpec) => void (s.encryptedData[key] = editBytes(s.encryptedData[key], f));
  const text = (key: string, f: (b64: string) => string) => (s: MutableSpec) => void (s.encryptedData[key] = f(s.encryptedData[key] as string));
  return [
    { name: "tag bit flipped", description: "The last bit of password's tag flipped.", base: "strict-opaque", mutate: edit("password", flipBit((n) => n - 1)), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "ciphertext bit flipped", description: "The first ciphertext byte of password changed.", base: "strict-opaque", mutate: edit("password", flipBit(() => 12)), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "nonce bit flipped", description: "The first nonce byte of username changed.", base: "strict-opaque", mutate: edit("username", flipBit(() => 0)), error: "DecryptFailedError", messageIncludes: `value "username" ${AUTH_FAILED}` },
    { name: "value truncated by one byte", description: "The last byte of password removed (still longer than nonce and tag).", base: "strict-opaque", mutate: edit("password", (b) => b.subarray(0, b.length - 1)), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "value shorter than nonce and tag", description: "password cut to 27 bytes.", base: "strict-opaque", mutate: edit("password", (b) => b.subarray(0, 27)), error: "MalformedEnvelopeError", messageIncludes: 'spec.encryptedData["password"]: decodes to 27 bytes' },
    { name: "base64 with whitespace", description: "A line break inside password's base64.", base: "strict-opaque", mutate: text("password", (v) => `${v.slice(0, 8)}\n${v.slice(8)}`), error: "MalformedEnvelopeError", messageIncludes: 'spec.encryptedData["password"]: not canonical standard base64' },
    { name: "base64 url-safe alphabet", description: "'+' and '/' replaced by '-' and '_'.", base: urlSafe.base, mutate: text(urlSafe.key, (v) => v.replaceAll("+", "-").replaceAll("/", "_")), error: "MalformedEnvelopeError", messageIncludes: `spec.encryptedData["${urlSafe.key}"]: not canonical standard base64` },
    { name: "base64 without padding", description: "The '==' padding of password removed.", base: "strict-opaque", mutate: text("password", (v) => v.replace(/=+$/, "")), error: "MalformedEnvelopeError", messageIncludes: 'spec.encryptedData["password"]: not canonical standard base64' },
    { name: "base64 with non-zero pad bits", description: "Same bytes under a lenient decoder, but not the canonical encoding.", base: "strict-opaque", mutate: text("password", nonZeroPadBits), error: "MalformedEnvelopeError", messageIncludes: 'spec.encryptedData["password"]: not canonical standard base64' },
  ];
}

function keyAndShapeCases(): CaseDef[] {
  const otherDek = OTHER_DEK.toString("hex");
  return [
    { name: "wrong DEK", description: "Opened with a DEK that is not the one sealed: the commitment check fails before any value is decrypted.", base: "strict-opaque", dek: otherDek, error: "WrongKeyError", messageIncludes: "data key does not match the envelope's key commitment" },
    { name: "DEK of the wrong length", description: "A 16-byte key.", base: "strict-opaque", dek: "000102030405060708090a0b0c0d0e0f", error: "WrongKeyError", messageIncludes: "data key is 16 bytes" },
    { name: "DEK and commitment substituted together", description: "Another DEK with its own commitment: the commitment passes and the values fail.", base: "strict-opaque", dek: otherDek, mutate: (s) => void (s.envelope["commitment"] = deriveCommitment(OTHER_DEK).toString("base64")), error: "DecryptFailedError", messageIncludes: `value "password" ${AUTH_FAILED}` },
    { name: "commitment truncated", description: "A 31-byte commitment.", base: "strict-opaque", mutate: (s) => void (s.envelope["commitment"] = editBytes(s.envelope["commitment"], (b) => b.subarray(0, 31))), error: "MalformedEnvelopeError", messageIncludes: "spec.envelope.commitment: decodes to 31 bytes, expected 32" },
    { name: "unknown format version", description: "format v2.", base: "strict-opaque", mutate: (s) => void (s.envelope["format"] = "v2"), error: "UnsupportedFormatError", messageIncludes: 'spec.envelope.format: unsupported envelope format "v2"' },
    { name: "format missing", description: "No envelope.format.", base: "strict-opaque", mutate: (s) => void delete s.envelope["format"], error: "MalformedEnvelopeError", messageIncludes: "spec.envelope.format: missing" },
    { name: "no values", description: "An empty encryptedData would authenticate nothing.", base: "strict-opaque", mutate: (s) => void (s.encryptedData = {}), error: "InvalidSpecError", messageIncludes: "spec.encryptedData: no values" },
    { name: "invalid key name", description: "A key name with a space.", base: "strict-opaque", mutate: (s) => void (s.encryptedData["pass word"] = s.encryptedData["password"]), error: "InvalidSpecError", messageIncludes: 'spec.encryptedData["pass word"]: invalid key name' },
    { name: "unknown scope", description: "scope global.", base: "strict-opaque", mutate: (s) => void (s.scope = "global"), error: "InvalidSpecError", messageIncludes: "spec.scope: must be one of strict, namespace, cluster" },
    { name: "strict scope without envelope.name", description: "A strict envelope must record the name it was sealed for.", base: "strict-opaque", mutate: (s) => void delete s.envelope["name"], error: "InvalidSpecError", messageIncludes: "spec.envelope.name: missing" },
    { name: "unknown template field", description: "An unauthenticated field in the template is rejected, not ignored.", base: "namespace-basic-auth", mutate: (s) => void ((s.template!.metadata as Record<string, unknown>)["namespace"] = "other"), error: "InvalidSpecError", messageIncludes: 'spec.template.metadata: unknown field "namespace"' },
  ];
}

function toCase(def: CaseDef, positives: Record<string, PositiveVector>): NegativeCase {
  const base = positives[def.base];
  if (base === undefined) throw new Error(`unknown base vector ${def.base}`);
  const spec = structuredClone(base.spec) as unknown as MutableSpec;
  def.mutate?.(spec);
  return {
    name: def.name,
    description: def.description,
    base: def.base,
    dek: def.dek ?? base.dek,
    target: def.target ?? base.target,
    spec,
    expected: { error: def.error, reason: REASONS[def.error], messageIncludes: def.messageIncludes },
  };
}

export function buildNegativeVectors(positives: Record<string, PositiveVector>): NegativeVectors {
  const strict = positives["strict-opaque"]!;
  const defs = [...bindingCases(), ...keySetCases(replayedPassword(strict)), ...templateCases(), ...valueCases(urlSafeCandidate(positives)), ...keyAndShapeCases()];
  return {
    description: "Each case must fail with expected.error when its spec is parsed and opened with dek for target; no plaintext may be returned.",
    cases: defs.map((def) => toCase(def, positives)),
  };
}
