// Secret manifests in: one `v1/Secret` object (as `kubectl create secret … --dry-run=client -o yaml`
// prints it, or as a user writes it) turned into SecretContent — plaintext values as bytes plus the
// metadata the envelope template carries. `data` values are base64, `stringData` values UTF-8 text.
// Errors name the field or key, never a value. The caller owns the value buffers (zeroContent).
import { asRecord, field, quote } from "../envelope/fields.ts";
import { InputError } from "./errors.ts";

export interface SecretContent {
  readonly name?: string;
  readonly namespace?: string;
  readonly type: string;
  readonly immutable?: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Plaintext values by key. */
  readonly data: Map<string, Buffer>;
}

/** kubectl apply stores the whole last-applied object here — for a Secret, its values in clear. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

const TOP_LEVEL = ["apiVersion", "kind", "metadata", "type", "immutable", "data", "stringData"];
const METADATA = ["name", "namespace", "labels", "annotations"];
/** Set by the API server on objects read back from a cluster; meaningless in a new object, so dropped. */
const SERVER_METADATA = ["creationTimestamp", "uid", "resourceVersion", "generation", "managedFields", "selfLink"];

export function zeroContent(content: Pick<SecretContent, "data">): void {
  for (const value of content.data.values()) value.fill(0);
}

function fail(where: string, message: string): never {
  throw new InputError(`${where}: ${message}`);
}

function optionalString(where: string, path: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") fail(where, `${path} must be a string`);
  return value;
}

function stringMap(where: string, path: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) fail(where, `${path} must be a mapping`);
  const rec = value as Record<string, unknown>;
  for (const key of Object.keys(rec)) if (typeof rec[key] !== "string") fail(where, `${path}[${quote(key)}] must be a string (quote it)`);
  return Object.fromEntries(Object.keys(rec).map((k) => [k, rec[k] as string]));
}

function checkKnown(where: string, path: string, rec: Readonly<Record<string, unknown>>, known: readonly string[]): void {
  const unknown = Object.keys(rec).find((k) => !known.includes(k));
  if (unknown !== undefined) fail(where, `${path} ${quote(unknown)} is not supported in a Secret to seal`);
}

/** Strict canonical base64, as `kubectl` writes it; the message names the key only. */
function decodeData(where: string, key: string, value: unknown): Buffer {
  if (typeof value !== "string") fail(where, `data[${quote(key)}] must be a base64 string`);
  const bytes = Buffer.from(value, "base64");
  if (bytes.toString("base64") !== value) {
    bytes.fill(0);
    fail(where, `data[${quote(key)}] is not valid base64 (standard alphabet, padded, no line breaks)`);
  }
  return bytes;
}

function readValues(where: string, rec: Readonly<Record<string, unknown>>, out: Map<string, Buffer>): void {
  const data = asRecordOr(where, "data", field(rec, "data"));
  const stringData = asRecordOr(where, "stringData", field(rec, "stringData"));
  for (const key of Object.keys(data)) out.set(key, decodeData(where, key, data[key]));
  for (const key of Object.keys(stringData)) {
    if (out.has(key)) fail(where, `key ${quote(key)} is in both data and stringData`);
    const value = stringData[key];
    if (typeof value !== "string") fail(where, `stringData[${quote(key)}] must be a string (quote it)`);
    out.set(key, Buffer.from(value, "utf8"));
  }
}

function asRecordOr(where: string, path: string, value: unknown): Readonly<Record<string, unknown>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) fail(where, `${path} must be a mapping`);
  return value as Readonly<Record<string, unknown>>;
}

interface Meta {
  name?: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function readMetadata(where: string, value: unknown, warn: (message: string) => void): Meta {
  const rec = asRecordOr(where, "metadata", value);
  checkKnown(where, "metadata field", rec, [...METADATA, ...SERVER_METADATA]);
  const annotations = stringMap(where, "metadata.annotations", field(rec, "annotations"));
  if (Object.hasOwn(annotations, LAST_APPLIED_ANNOTATION)) {
    // It would land in the clear-text template; it holds the Secret's values.
    delete annotations[LAST_APPLIED_ANNOTATION];
    warn(`${where}: dropped annotation ${LAST_APPLIED_ANNOTATION} (it holds the Secret's values in clear)`);
  }
  const meta: Meta = { labels: stringMap(where, "metadata.labels", field(rec, "labels")), annotations };
  const name = optionalString(where, "metadata.name", field(rec, "name"));
  const namespace = optionalString(where, "metadata.namespace", field(rec, "namespace"));
  if (name !== undefined) meta.name = name;
  if (namespace !== undefined) meta.namespace = namespace;
  return meta;
}

function checkKind(where: string, rec: Readonly<Record<string, unknown>>): void {
  const kind = field(rec, "kind");
  const apiVersion = field(rec, "apiVersion");
  if (kind !== "Secret" || apiVersion !== "v1") {
    const shown = typeof kind === "string" ? quote(kind) : "no kind";
    fail(where, `expected a Secret (apiVersion v1, kind Secret), got ${shown}${typeof apiVersion === "string" ? ` of ${quote(apiVersion)}` : ""}`);
  }
}

/** Parses one Secret object. `warn` receives notes about fields that were dropped. */
export function parseSecretManifest(where: string, value: unknown, warn: (message: string) => void): SecretContent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(where, "expected a Secret object");
  const rec = asRecord(where, value, InputError);
  checkKind(where, rec);
  checkKnown(where, "field", rec, TOP_LEVEL);
  const meta = readMetadata(where, field(rec, "metadata"), warn);
  const immutable = field(rec, "immutable");
  if (immutable !== undefined && immutable !== null && typeof immutable !== "boolean") fail(where, "immutable must be true or false");
  const data = new Map<string, Buffer>();
  try {
    readValues(where, rec, data);
  } catch (err) {
    zeroContent({ data });
    throw err;
  }
  const type = optionalString(where, "type", field(rec, "type")) ?? "Opaque";
  return { ...meta, type, ...(typeof immutable === "boolean" ? { immutable } : {}), data };
}
