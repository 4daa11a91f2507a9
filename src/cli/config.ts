// The project configuration file, .envelope.yaml: which key providers the CLI can use and which one
// (with which key) seals which files, in the style of .sops.yaml creation rules. Found by walking up
// from the working directory, or named with --config. Paths in it are relative to its directory.
// Parsed strictly: an unknown field is an error, because a misspelt one would be silently ignored.
import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { RsaOaepHash } from "../api/v1alpha1/key-provider.ts";
import { quote } from "../envelope/fields.ts";
import { ConfigFileError } from "./errors.ts";
import { decodeUtf8, readInput, resolvePath, type CliIo } from "./io.ts";
import { parseSingleDocument, parseYamlDocuments } from "./yaml-input.ts";

export const CONFIG_FILE_NAME = ".envelope.yaml";

interface ProviderBase {
  readonly name: string;
}
export interface LocalProviderConfig extends ProviderBase {
  readonly type: "local";
  /** Absolute path of the key file (envelope keygen). */
  readonly keyFile: string;
}
export interface Pkcs11ProviderConfig extends ProviderBase {
  readonly type: "pkcs11";
  readonly module: string;
  readonly tokenLabel: string;
  /** Where the PIN comes from: an environment variable's name, or a file (absolute path). */
  readonly pin: { readonly env: string } | { readonly file: string };
  readonly rsaOaepHash: RsaOaepHash;
}
export interface AwsProviderConfig extends ProviderBase {
  readonly type: "aws";
  readonly region: string;
  readonly endpoint?: string;
}
export interface AzureProviderConfig extends ProviderBase {
  readonly type: "azure";
  readonly vaultUrl: string;
  /** Absolute path of a PEM CA bundle. */
  readonly caFile?: string;
}
export type ProviderConfig = LocalProviderConfig | Pkcs11ProviderConfig | AwsProviderConfig | AzureProviderConfig;
export type ProviderType = ProviderConfig["type"];

export interface Rule {
  /** Glob on the file path relative to the config directory (see rules.ts). */
  readonly path?: string;
  /** Regular expression searched in that path. */
  readonly pathRegex?: RegExp;
  /** Regular expression searched in the target namespace. */
  readonly namespace?: RegExp;
  readonly provider: string;
  readonly key: string;
  readonly keyVersion?: string;
}

export interface CliConfig {
  readonly file: string;
  readonly dir: string;
  readonly providers: ReadonlyMap<string, ProviderConfig>;
  readonly rules: readonly Rule[];
}

type Rec = Readonly<Record<string, unknown>>;

class Reader {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }
  fail(path: string, message: string): never {
    throw new ConfigFileError(`${this.file}: ${path}: ${message}`);
  }
  /** A mapping; with `known`, only those keys. */
  record(path: string, value: unknown, known?: readonly string[]): Rec {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(path, "must be a mapping");
    const unknown = known === undefined ? undefined : Object.keys(value).find((k) => !known.includes(k));
    if (unknown !== undefined) this.fail(path, `unknown field ${quote(unknown)} (expected ${known?.join(", ") ?? ""})`);
    return value as Rec;
  }
  string(path: string, value: unknown): string {
    if (typeof value !== "string" || value === "") this.fail(path, "must be a non-empty string");
    return value;
  }
  optionalString(path: string, value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : this.string(path, value);
  }
  regex(path: string, value: unknown): RegExp | undefined {
    const source = this.optionalString(path, value);
    if (source === undefined) return undefined;
    try {
      return new RegExp(source, "u");
    } catch {
      this.fail(path, "not a valid regular expression");
    }
  }
}

const BACKENDS: readonly ProviderType[] = ["local", "pkcs11", "aws", "azure"];

function parseLocal(r: Reader, name: string, path: string, rec: Rec, dir: string): LocalProviderConfig {
  const local = r.record(path, rec.local, ["keyFile"]);
  return { name, type: "local", keyFile: resolve(dir, r.string(`${path}.keyFile`, local.keyFile)) };
}

function parsePin(r: Reader, path: string, rec: Rec, dir: string): Pkcs11ProviderConfig["pin"] {
  const env = r.optionalString(`${path}.pinEnv`, rec.pinEnv);
  const file = r.optionalString(`${path}.pinFile`, rec.pinFile);
  if ((env === undefined) === (file === undefined)) r.fail(path, "set exactly one of pinEnv, pinFile");
  return env !== undefined ? { env } : { file: resolve(dir, file ?? "") };
}

function parsePkcs11(r: Reader, name: string, path: string, rec: Rec, dir: string): Pkcs11ProviderConfig {
  const p = r.record(path, rec.pkcs11, ["module", "tokenLabel", "pinEnv", "pinFile", "rsaOaepHash"]);
  const hash = r.optionalString(`${path}.rsaOaepHash`, p.rsaOaepHash) ?? "sha256";
  if (hash !== "sha256" && hash !== "sha1") r.fail(`${path}.rsaOaepHash`, "must be sha256 or sha1");
  const config = { name, type: "pkcs11", module: r.string(`${path}.module`, p.module), tokenLabel: r.string(`${path}.tokenLabel`, p.tokenLabel) } as const;
  return { ...config, pin: parsePin(r, path, p, dir), rsaOaepHash: hash };
}

function parseAws(r: Reader, name: string, path: string, rec: Rec): AwsProviderConfig {
  const a = r.record(path, rec.aws, ["region", "endpoint"]);
  const endpoint = r.optionalString(`${path}.endpoint`, a.endpoint);
  return { name, type: "aws", region: r.string(`${path}.region`, a.region), ...(endpoint !== undefined ? { endpoint } : {}) };
}

function parseAzure(r: Reader, name: string, path: string, rec: Rec, dir: string): AzureProviderConfig {
  const a = r.record(path, rec.azure, ["vaultUrl", "caFile"]);
  const caFile = r.optionalString(`${path}.caFile`, a.caFile);
  return { name, type: "azure", vaultUrl: r.string(`${path}.vaultUrl`, a.vaultUrl), ...(caFile !== undefined ? { caFile: resolve(dir, caFile) } : {}) };
}

function parseProvider(r: Reader, name: string, value: unknown, dir: string): ProviderConfig {
  const path = `providers.${name}`;
  const rec = r.record(path, value, BACKENDS);
  const types = Object.keys(rec);
  if (types.length !== 1) r.fail(path, `set exactly one of ${BACKENDS.join(", ")}`);
  const type = types[0] as ProviderType;
  if (type === "local") return parseLocal(r, name, `${path}.local`, rec, dir);
  if (type === "pkcs11") return parsePkcs11(r, name, `${path}.pkcs11`, rec, dir);
  if (type === "aws") return parseAws(r, name, `${path}.aws`, rec);
  return parseAzure(r, name, `${path}.azure`, rec, dir);
}

function parseRule(r: Reader, value: unknown, i: number): Rule {
  const path = `rules[${i}]`;
  const rec = r.record(path, value, ["path", "pathRegex", "namespace", "provider", "key", "keyVersion"]);
  const rule: { -readonly [K in keyof Rule]: Rule[K] } = { provider: r.string(`${path}.provider`, rec.provider), key: r.string(`${path}.key`, rec.key) };
  const glob = r.optionalString(`${path}.path`, rec.path);
  const pathRegex = r.regex(`${path}.pathRegex`, rec.pathRegex);
  const namespace = r.regex(`${path}.namespace`, rec.namespace);
  const keyVersion = r.optionalString(`${path}.keyVersion`, typeof rec.keyVersion === "number" ? String(rec.keyVersion) : rec.keyVersion);
  if (glob !== undefined) rule.path = glob;
  if (pathRegex !== undefined) rule.pathRegex = pathRegex;
  if (namespace !== undefined) rule.namespace = namespace;
  if (keyVersion !== undefined) rule.keyVersion = keyVersion;
  return rule;
}

/** Parses the text of a config file found at `file` (absolute). */
export function parseConfig(file: string, text: string): CliConfig {
  const r = new Reader(file);
  const dir = dirname(file);
  let doc: unknown;
  try {
    // An empty file is an empty configuration.
    doc = parseYamlDocuments(file, text).length === 0 ? {} : parseSingleDocument(file, text);
  } catch (err) {
    throw new ConfigFileError(err instanceof Error ? err.message : `${file}: not valid YAML`);
  }
  const top = r.record("(top level)", doc, ["providers", "rules"]);
  const providers = new Map<string, ProviderConfig>();
  const declared = top.providers === undefined || top.providers === null ? {} : r.record("providers", top.providers);
  for (const [name, value] of Object.entries(declared)) providers.set(name, parseProvider(r, name, value, dir));
  const rules: unknown = top.rules ?? [];
  if (!Array.isArray(rules)) r.fail("rules", "must be a list");
  return { file, dir, providers, rules: (rules as unknown[]).map((rule, i) => parseRule(r, rule, i)) };
}

/** The nearest .envelope.yaml in `start` or above it. */
export async function findConfig(start: string): Promise<string | undefined> {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    const found = await stat(candidate).then((s) => s.isFile(), () => false);
    if (found) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** --config FILE, else the nearest .envelope.yaml; undefined when there is none. */
export async function loadConfig(io: CliIo, explicit: string | undefined): Promise<CliConfig | undefined> {
  const file = explicit !== undefined ? resolvePath(io, explicit) : await findConfig(io.cwd);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = decodeUtf8(file, await readInput(io, file));
  } catch (err) {
    throw new ConfigFileError(err instanceof Error ? err.message : `cannot read ${file}`);
  }
  return parseConfig(file, text);
}
