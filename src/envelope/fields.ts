// Helpers for reading untrusted, YAML- or JSON-derived values field by field: own properties only,
// type checks that name the field path, and quoting that keeps messages short and free of values.
// The error class is a parameter because the same check is an envelope error in one place and a
// spec error in another.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export type ErrorClass = new (message: string) => Error;

/** Quotes a name for an error message: JSON escapes, and long names cut so a message stays short. */
export function quote(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}

export function field(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function asRecord(path: string, value: unknown, Err: ErrorClass): Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Err(`${path}: must be an object`);
  return value as Readonly<Record<string, unknown>>;
}

export function nonEmptyString(path: string, value: unknown, Err: ErrorClass): string {
  if (value === undefined) throw new Err(`${path}: missing`);
  if (typeof value !== "string") throw new Err(`${path}: must be a string`);
  if (value.length === 0) throw new Err(`${path}: must not be empty`);
  return value;
}

export function rejectUnknownFields(path: string, record: Readonly<Record<string, unknown>>, known: readonly string[], Err: ErrorClass): void {
  const unknown = Object.keys(record).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new Err(`${path}: unknown field ${quote(unknown)}`);
}

export function checkNamespace(path: string, value: unknown, Err: ErrorClass): string {
  const ns = nonEmptyString(path, value, Err);
  if (ns.length > 63 || !DNS_LABEL.test(ns)) throw new Err(`${path}: not a valid namespace name (RFC 1123 label)`);
  return ns;
}

export function checkObjectName(path: string, value: unknown, Err: ErrorClass): string {
  const name = nonEmptyString(path, value, Err);
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) throw new Err(`${path}: not a valid object name (RFC 1123 subdomain)`);
  return name;
}
