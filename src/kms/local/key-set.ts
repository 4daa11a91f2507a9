// Local KEK versions: key name → version → 32 bytes. Two serialized forms: a Kubernetes Secret's data
// (one entry per version, named `<key>.<version>`, value = the 32 key bytes) for the controller, and a
// YAML key file for the CLI (`keys: {<key>: {"<version>": <base64>}}`, mode 0600, never committed).
import { randomBytes } from "node:crypto";
import { Document, parse } from "yaml";
import { InvalidSpecError, KeyNotFoundError, KeyVersionNotFoundError } from "../../errors.ts";

export type LocalKeySet = ReadonlyMap<string, ReadonlyMap<string, Buffer>>;

const KEY_BYTES = 32;
const KEY_NAME = /^[a-zA-Z0-9][-_a-zA-Z0-9]*$/;
const VERSION = /^[1-9][0-9]{0,8}$/;

function checkEntry(where: string, key: string, version: string, bytes: Buffer): void {
  if (!KEY_NAME.test(key)) throw new InvalidSpecError(`${where}: key name "${key}" must match ${KEY_NAME.source}`);
  if (!VERSION.test(version)) throw new InvalidSpecError(`${where}: version "${version}" of key "${key}" must be a positive integer`);
  if (bytes.length !== KEY_BYTES) throw new InvalidSpecError(`${where}: key "${key}" version ${version} must be ${KEY_BYTES} bytes, got ${bytes.length}`);
}

function add(set: Map<string, Map<string, Buffer>>, key: string, version: string, bytes: Buffer): void {
  const versions = set.get(key) ?? new Map<string, Buffer>();
  versions.set(version, bytes);
  set.set(key, versions);
}

/** From a Secret's `data` (base64 values as the API returns them). */
export function keySetFromSecretData(where: string, data: Readonly<Record<string, string>>): LocalKeySet {
  const set = new Map<string, Map<string, Buffer>>();
  for (const [entry, value] of Object.entries(data)) {
    const dot = entry.lastIndexOf(".");
    if (dot <= 0) throw new InvalidSpecError(`${where}: entry "${entry}" is not named <key>.<version>`);
    const [key, version] = [entry.slice(0, dot), entry.slice(dot + 1)];
    const bytes = Buffer.from(value, "base64");
    checkEntry(where, key, version, bytes);
    add(set, key, version, bytes);
  }
  return set;
}

/** From the YAML key file used by the CLI. */
export function keySetFromFile(where: string, text: string): LocalKeySet {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    throw new InvalidSpecError(`${where}: not valid YAML`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (keys === null || typeof keys !== "object") throw new InvalidSpecError(`${where}: expected a top-level "keys" mapping`);
  const set = new Map<string, Map<string, Buffer>>();
  for (const [key, versions] of Object.entries(keys as Record<string, unknown>)) {
    if (versions === null || typeof versions !== "object") throw new InvalidSpecError(`${where}: key "${key}" must map versions to base64 keys`);
    for (const [version, value] of Object.entries(versions as Record<string, unknown>)) {
      const bytes = Buffer.from(typeof value === "string" ? value : "", "base64");
      checkEntry(where, key, version, bytes);
      add(set, key, version, bytes);
    }
  }
  return set;
}

export function serializeKeyFile(set: LocalKeySet): string {
  const keys: Record<string, Record<string, string>> = {};
  for (const [key, versions] of set) keys[key] = Object.fromEntries([...versions].map(([v, b]) => [v, b.toString("base64")]));
  const doc = new Document({ keys });
  doc.commentBefore = " envelope-operator local KEKs (key name -> version -> base64 of 32 bytes).\n" +
    " Anyone holding this file can unwrap every data key sealed with these keys: mode 0600, never in git.";
  return doc.toString();
}

/** The Secret `data` form (`<key>.<version>` → base64), the inverse of keySetFromSecretData. */
export function secretDataFromKeySet(set: LocalKeySet): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, versions] of set) for (const [version, bytes] of versions) data[`${key}.${version}`] = bytes.toString("base64");
  return data;
}

/** Overwrites every key of `set` with zeros (for sets built only to be serialized). */
export function zeroKeySet(set: LocalKeySet): void {
  for (const versions of set.values()) for (const bytes of versions.values()) bytes.fill(0);
}

/** A copy of `set` with a new, highest version of `key` (version 1 for a new key). */
export function withNewVersion(set: LocalKeySet, key: string, random: (n: number) => Buffer = randomBytes): { set: LocalKeySet; version: string } {
  const next = new Map<string, Map<string, Buffer>>([...set].map(([k, v]) => [k, new Map(v)]));
  const existing = next.get(key);
  const version = String(existing === undefined ? 1 : Number(latestVersion(existing)) + 1);
  const bytes = random(KEY_BYTES);
  checkEntry("new key", key, version, bytes);
  add(next, key, version, bytes);
  return { set: next, version };
}

export function latestVersion(versions: ReadonlyMap<string, Buffer>): string {
  return [...versions.keys()].reduce((a, b) => (Number(b) > Number(a) ? b : a));
}

export function lookup(set: LocalKeySet, key: string, version: string): Buffer {
  const versions = set.get(key);
  if (versions === undefined) throw new KeyNotFoundError(`local key "${key}" does not exist`);
  const bytes = versions.get(version);
  if (bytes === undefined) throw new KeyVersionNotFoundError(`local key "${key}" has no version ${version} (versions: ${[...versions.keys()].join(", ")})`);
  return bytes;
}
