// Shape rules for the Secret template (type, immutable, metadata.name, labels, annotations). The
// template is authenticated as a whole (binding.ts), so it is parsed strictly: unknown fields are
// rejected rather than silently ignored, because an ignored field would be an unauthenticated one.
import type { SecretTemplate } from "../api/v1alpha1/types.ts";
import { InvalidSpecError } from "../errors.ts";
import { asRecord, checkObjectName, field, nonEmptyString, quote, rejectUnknownFields } from "./fields.ts";

/** As the CRD (maxProperties). */
const MAX_ENTRIES = 256;
const SECRET_TYPE = /^[-._a-zA-Z0-9/]+$/;

function parseType(path: string, value: unknown): string {
  const type = nonEmptyString(path, value, InvalidSpecError);
  if (type.length > 253 || !SECRET_TYPE.test(type)) throw new InvalidSpecError(`${path}: invalid Secret type`);
  return type;
}

function parseStringMap(path: string, value: unknown): Record<string, string> {
  const rec = asRecord(path, value, InvalidSpecError);
  const keys = Object.keys(rec);
  if (keys.length > MAX_ENTRIES) throw new InvalidSpecError(`${path}: ${keys.length} entries, at most ${MAX_ENTRIES} allowed`);
  for (const key of keys) {
    const entry = rec[key];
    if (key.length === 0) throw new InvalidSpecError(`${path}: empty key`);
    if (typeof entry !== "string") throw new InvalidSpecError(`${path}[${quote(key)}]: must be a string`);
    // A lone surrogate has no UTF-8 encoding; two different strings would encode alike.
    if (!key.isWellFormed() || !entry.isWellFormed()) throw new InvalidSpecError(`${path}[${quote(key)}]: not valid Unicode`);
  }
  return Object.fromEntries(keys.map((k) => [k, rec[k] as string]));
}

function parseMetadata(path: string, value: unknown): NonNullable<SecretTemplate["metadata"]> {
  const rec = asRecord(path, value, InvalidSpecError);
  rejectUnknownFields(path, rec, ["name", "labels", "annotations"], InvalidSpecError);
  const out: NonNullable<SecretTemplate["metadata"]> = {};
  const name = field(rec, "name");
  const labels = field(rec, "labels");
  const annotations = field(rec, "annotations");
  if (name !== undefined) out.name = checkObjectName(`${path}.name`, name, InvalidSpecError);
  if (labels !== undefined) out.labels = parseStringMap(`${path}.labels`, labels);
  if (annotations !== undefined) out.annotations = parseStringMap(`${path}.annotations`, annotations);
  return out;
}

/** A validated copy of the template, or undefined when there is none. */
export function parseTemplate(path: string, value: unknown): SecretTemplate | undefined {
  if (value === undefined) return undefined;
  const rec = asRecord(path, value, InvalidSpecError);
  rejectUnknownFields(path, rec, ["type", "immutable", "metadata"], InvalidSpecError);
  const out: SecretTemplate = {};
  const type = field(rec, "type");
  const immutable = field(rec, "immutable");
  const metadata = field(rec, "metadata");
  if (type !== undefined) out.type = parseType(`${path}.type`, type);
  if (immutable !== undefined && typeof immutable !== "boolean") throw new InvalidSpecError(`${path}.immutable: must be a boolean`);
  if (immutable !== undefined) out.immutable = immutable;
  if (metadata !== undefined) out.metadata = parseMetadata(`${path}.metadata`, metadata);
  return out;
}
