// Envelope format v1 codec: the version tag, strict base64, and every shape and bound rule for
// untrusted envelope fields and for seal inputs. Pure: no crypto, no I/O. Each bound is checked before
// the bytes it guards are allocated or sliced. Messages name the field, key or check that failed and
// never a value (docs/format.md, section 10).
import { ENVELOPE_FORMAT_V1 } from "../api/v1alpha1/constants.ts";
import type { EncryptedSecretSpec, EnvelopeSpec, KeyRefSpec, Scope, SecretTemplate } from "../api/v1alpha1/types.ts";
import { InvalidSpecError, MalformedEnvelopeError, UnsupportedFormatError } from "../errors.ts";
import { compareUtf8 } from "./encoding.ts";
import { asRecord, checkNamespace, checkObjectName, field, nonEmptyString, quote, rejectUnknownFields } from "./fields.ts";
import { parseTemplate } from "./template.ts";
import type { SealInput } from "./types.ts";

export const LIMITS = {
  dekBytes: 32,
  nonceBytes: 12,
  tagBytes: 16,
  commitmentBytes: 32,
  wrappedKeyMaxBytes: 4096,
  maxKeys: 1000,
  maxKeyNameLength: 253,
  /** Kubernetes' limit on the total size of a Secret's values (MaxSecretSize). */
  maxTotalBytes: 1_048_576,
} as const;

/** nonce + tag: what a stored value adds to its plaintext. */
export const VALUE_OVERHEAD = LIMITS.nonceBytes + LIMITS.tagBytes;

const SCOPES: readonly string[] = ["strict", "namespace", "cluster"];
const KEY_NAME = /^[-._a-zA-Z0-9]+$/;

/** An envelope whose fields passed every shape and bound check, with its binary fields decoded. */
export interface DecodedEnvelope {
  readonly scope: Scope;
  readonly envelope: EnvelopeSpec;
  readonly commitment: Buffer;
  readonly wrappedKey: Buffer;
  /** Stored values (nonce || ciphertext || tag), in UTF-8 byte order of the key names. */
  readonly values: ReadonlyMap<string, Buffer>;
  readonly template: SecretTemplate | undefined;
}

/** Strict canonical standard base64 (RFC 4648 section 4, padded, no whitespace, zero pad bits). */
export function decodeBase64(path: string, text: unknown, minBytes: number, maxBytes: number): Buffer {
  if (text === undefined) throw new MalformedEnvelopeError(`${path}: missing`);
  if (typeof text !== "string") throw new MalformedEnvelopeError(`${path}: must be a string`);
  if (text.length > 4 * Math.ceil(maxBytes / 3)) throw new MalformedEnvelopeError(`${path}: longer than the maximum of ${maxBytes} bytes`);
  const bytes = Buffer.from(text, "base64");
  // Node's decoder is lenient; the canonical re-encoding equals the input only for strict base64.
  if (bytes.toString("base64") !== text) throw new MalformedEnvelopeError(`${path}: not canonical standard base64`);
  if (bytes.length < minBytes || bytes.length > maxBytes) {
    throw new MalformedEnvelopeError(`${path}: decodes to ${bytes.length} bytes, expected ${minBytes === maxBytes ? minBytes : `${minBytes} to ${maxBytes}`}`);
  }
  return bytes;
}

/** base64 of a wrapped key a backend returned, after the same bound the reader applies. */
export function encodeWrappedKey(ciphertext: Uint8Array): string {
  if (ciphertext.length < 1 || ciphertext.length > LIMITS.wrappedKeyMaxBytes) {
    throw new MalformedEnvelopeError(`key backend returned a ${ciphertext.length}-byte wrapped key, expected 1 to ${LIMITS.wrappedKeyMaxBytes}`);
  }
  return Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength).toString("base64");
}

export function checkFormat(path: string, format: unknown): void {
  if (format === undefined) throw new MalformedEnvelopeError(`${path}: missing`);
  if (format !== ENVELOPE_FORMAT_V1) {
    const shown = typeof format === "string" ? quote(format) : `a ${typeof format}`;
    throw new UnsupportedFormatError(`${path}: unsupported envelope format ${shown}; this version reads "${ENVELOPE_FORMAT_V1}"`);
  }
}

export function parseScope(path: string, scope: unknown): Scope {
  if (typeof scope !== "string" || !SCOPES.includes(scope)) throw new InvalidSpecError(`${path}: must be one of strict, namespace, cluster`);
  return scope as Scope;
}

export function checkKeyName(path: string, name: string): void {
  if (name.length > LIMITS.maxKeyNameLength || !KEY_NAME.test(name)) {
    throw new InvalidSpecError(`${path}[${quote(name)}]: invalid key name (must match [-._a-zA-Z0-9]+, at most ${LIMITS.maxKeyNameLength} characters)`);
  }
}

/** Key count and total size of a data map; sizes are plaintext bytes. */
export function checkDataBounds(path: string, count: number, totalBytes: number): void {
  if (count === 0) throw new InvalidSpecError(`${path}: no values; an envelope with no values would authenticate nothing`);
  if (count > LIMITS.maxKeys) throw new InvalidSpecError(`${path}: ${count} keys, at most ${LIMITS.maxKeys} allowed`);
  if (totalBytes > LIMITS.maxTotalBytes) {
    throw new InvalidSpecError(`${path}: ${totalBytes} bytes of data, above the Kubernetes Secret limit of ${LIMITS.maxTotalBytes} bytes`);
  }
}

/** Which of envelope.namespace/name a scope requires; the others must be absent. */
function checkBoundFields(path: string, scope: Scope, envelope: Readonly<Record<string, unknown>>): void {
  const ns = field(envelope, "namespace");
  const name = field(envelope, "name");
  if (scope === "cluster" && ns !== undefined) throw new InvalidSpecError(`${path}.namespace: must be absent for scope cluster`);
  if (scope !== "strict" && name !== undefined) throw new InvalidSpecError(`${path}.name: must be absent for scope ${scope}`);
  if (scope !== "cluster") checkNamespace(`${path}.namespace`, ns, InvalidSpecError);
  if (scope === "strict") checkObjectName(`${path}.name`, name, InvalidSpecError);
}

/** The envelope object, with its format checked before anything else so a future format is reported as such. */
function envelopeRecord(path: string, value: unknown): Readonly<Record<string, unknown>> {
  if (value === undefined) throw new MalformedEnvelopeError(`${path}: missing`);
  const rec = asRecord(path, value, MalformedEnvelopeError);
  checkFormat(`${path}.format`, field(rec, "format"));
  return rec;
}

function parseEnvelope(path: string, rec: Readonly<Record<string, unknown>>, scope: Scope): { envelope: EnvelopeSpec; commitment: Buffer; wrappedKey: Buffer } {
  rejectUnknownFields(path, rec, ["format", "key", "keyVersion", "algorithm", "wrappedKey", "commitment", "namespace", "name"], MalformedEnvelopeError);
  checkBoundFields(path, scope, rec);
  const commitment = decodeBase64(`${path}.commitment`, field(rec, "commitment"), LIMITS.commitmentBytes, LIMITS.commitmentBytes);
  const wrappedKey = decodeBase64(`${path}.wrappedKey`, field(rec, "wrappedKey"), 1, LIMITS.wrappedKeyMaxBytes);
  const envelope: EnvelopeSpec = {
    format: ENVELOPE_FORMAT_V1,
    key: nonEmptyString(`${path}.key`, field(rec, "key"), MalformedEnvelopeError),
    keyVersion: nonEmptyString(`${path}.keyVersion`, field(rec, "keyVersion"), MalformedEnvelopeError),
    algorithm: nonEmptyString(`${path}.algorithm`, field(rec, "algorithm"), MalformedEnvelopeError),
    wrappedKey: field(rec, "wrappedKey") as string,
    commitment: field(rec, "commitment") as string,
  };
  if (scope !== "cluster") envelope.namespace = field(rec, "namespace") as string;
  if (scope === "strict") envelope.name = field(rec, "name") as string;
  return { envelope, commitment, wrappedKey };
}

function parseEncryptedData(path: string, value: unknown): { values: Map<string, Buffer>; texts: Record<string, string> } {
  if (value === undefined) throw new MalformedEnvelopeError(`${path}: missing`);
  const rec = asRecord(path, value, MalformedEnvelopeError);
  const names = Object.keys(rec).sort(compareUtf8);
  // Count first: nothing per key is decoded for an oversized map.
  checkDataBounds(path, names.length, 0);
  const values = new Map<string, Buffer>();
  let total = 0;
  for (const name of names) {
    checkKeyName(path, name);
    const bytes = decodeBase64(`${path}[${quote(name)}]`, rec[name], VALUE_OVERHEAD, LIMITS.maxTotalBytes + VALUE_OVERHEAD);
    // Bounded by the plaintext it implies, so whatever was sealable stays openable.
    total += bytes.length - VALUE_OVERHEAD;
    checkDataBounds(path, names.length, total);
    values.set(name, bytes);
  }
  // fromEntries defines own properties, so a key named "__proto__" stays a key.
  return { values, texts: Object.fromEntries(names.map((n) => [n, rec[n] as string])) };
}

function parseKeyRef(path: string, value: unknown): KeyRefSpec {
  if (value === undefined) throw new InvalidSpecError(`${path}: missing`);
  const rec = asRecord(path, value, InvalidSpecError);
  return {
    provider: nonEmptyString(`${path}.provider`, field(rec, "provider"), InvalidSpecError),
    key: nonEmptyString(`${path}.key`, field(rec, "key"), InvalidSpecError),
    version: nonEmptyString(`${path}.version`, field(rec, "version"), InvalidSpecError),
  };
}

type Decoded = DecodedEnvelope & { readonly encryptedData: Record<string, string> };

/** Checks everything about a spec that can be checked without a key, in the order of docs/format.md. */
function decodeParts(rec: Readonly<Record<string, unknown>>): Decoded {
  const envelopeRec = envelopeRecord("spec.envelope", field(rec, "envelope"));
  // The CRD defaults scope to strict; a spec read from a file may not have been through the API server.
  const scope = parseScope("spec.scope", field(rec, "scope") ?? "strict");
  const { envelope, commitment, wrappedKey } = parseEnvelope("spec.envelope", envelopeRec, scope);
  const { values, texts } = parseEncryptedData("spec.encryptedData", field(rec, "encryptedData"));
  const template = parseTemplate("spec.template", field(rec, "template"));
  return { scope, envelope, commitment, wrappedKey, values, template, encryptedData: texts };
}

/**
 * Turns untrusted (YAML- or API-derived) data into a typed spec, or throws UnsupportedFormatError,
 * MalformedEnvelopeError or InvalidSpecError naming the field path. Top-level spec fields that are
 * not part of the envelope format are passed through untouched.
 */
export function parseSpec(value: unknown): EncryptedSecretSpec {
  const rec = asRecord("spec", value, InvalidSpecError);
  const decoded = decodeParts(rec);
  const { keyRef, scope: _scope, envelope: _envelope, encryptedData: _data, template: _template, ...rest } = rec;
  const spec: EncryptedSecretSpec = {
    ...rest,
    keyRef: parseKeyRef("spec.keyRef", keyRef),
    scope: decoded.scope,
    envelope: decoded.envelope,
    encryptedData: decoded.encryptedData,
  };
  if (decoded.template !== undefined) spec.template = decoded.template;
  return spec;
}

/** Validates a typed (but possibly hand-edited) spec and decodes its binary fields. keyRef is not looked at. */
export function decodeSpec(spec: Pick<EncryptedSecretSpec, "scope" | "envelope" | "encryptedData" | "template">): DecodedEnvelope {
  return decodeParts(asRecord("spec", spec, InvalidSpecError));
}

/** A seal input that passed every check: binding fields per scope, sorted entries, bounds. */
export interface ValidatedSealInput {
  readonly scope: Scope;
  readonly namespace: string;
  readonly name: string;
  readonly template: SecretTemplate | undefined;
  readonly entries: readonly (readonly [string, Uint8Array])[];
}

export function validateSealInput(input: SealInput): ValidatedSealInput {
  const scope = parseScope("scope", input.scope);
  const namespace = scope === "cluster" ? "" : checkNamespace("namespace", input.namespace, InvalidSpecError);
  const name = scope === "strict" ? checkObjectName("name", input.name, InvalidSpecError) : "";
  const template = parseTemplate("template", input.template);
  const entries = (input.data instanceof Map ? [...(input.data as ReadonlyMap<string, Uint8Array>)] : Object.entries(input.data)).sort((a, b) => compareUtf8(a[0], b[0]));
  checkDataBounds("data", entries.length, 0);
  let total = 0;
  for (const [key, value] of entries) {
    checkKeyName("data", key);
    if (!(value instanceof Uint8Array)) throw new InvalidSpecError(`data[${quote(key)}]: must be bytes (Uint8Array)`);
    total += value.length;
  }
  checkDataBounds("data", entries.length, total);
  return { scope, namespace, name, template, entries };
}
