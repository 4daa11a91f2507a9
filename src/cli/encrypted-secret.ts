// EncryptedSecret manifests in: recognising them among other objects, their metadata (the target
// they are opened for), and the spec, validated by the envelope codec (parseSpec). Reads no key.
import { API_VERSION, GROUP, KIND_ENCRYPTED_SECRET } from "../api/v1alpha1/constants.ts";
import type { EncryptedSecretSpec } from "../api/v1alpha1/types.ts";
import { field, quote } from "../envelope/fields.ts";
import { parseSpec, type Target } from "../envelope/index.ts";
import { ContextError, InputError } from "./errors.ts";
import { decodeUtf8, readInput, type CliIo } from "./io.ts";
import type { OutputMetadata } from "./render.ts";
import { parseSingleDocument } from "./yaml-input.ts";

export interface EncryptedSecretFile {
  readonly metadata: OutputMetadata;
  readonly spec: EncryptedSecretSpec;
}

type Rec = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Rec {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** kind EncryptedSecret of any envelope.dev version: the objects verify looks at. */
export function isEncryptedSecretObject(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const apiVersion = field(value, "apiVersion");
  return field(value, "kind") === KIND_ENCRYPTED_SECRET && typeof apiVersion === "string" && apiVersion.startsWith(`${GROUP}/`);
}

function stringMap(path: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== "string")) throw new InputError(`${path} must map strings to strings`);
  return { ...(value as Record<string, string>) };
}

function readMetadata(value: unknown): OutputMetadata {
  if (!isRecord(value)) throw new InputError("metadata is missing");
  const name = field(value, "name");
  const namespace = field(value, "namespace");
  if (typeof name !== "string" || name === "") throw new InputError("metadata.name is missing");
  if (namespace !== undefined && namespace !== null && typeof namespace !== "string") throw new InputError("metadata.namespace must be a string");
  const labels = stringMap("metadata.labels", field(value, "labels"));
  const annotations = stringMap("metadata.annotations", field(value, "annotations"));
  return {
    name,
    ...(typeof namespace === "string" ? { namespace } : {}),
    ...(labels !== undefined ? { labels } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
  };
}

/**
 * Checks kind and apiVersion, reads the metadata and validates the spec. Throws InputError or
 * parseSpec's typed errors, naming the field but not the file.
 */
export function parseEncryptedSecret(value: unknown): EncryptedSecretFile {
  if (!isRecord(value)) throw new InputError(`expected an ${KIND_ENCRYPTED_SECRET} object`);
  const kind = field(value, "kind");
  if (kind !== KIND_ENCRYPTED_SECRET) throw new InputError(`expected kind ${KIND_ENCRYPTED_SECRET}, got ${typeof kind === "string" ? quote(kind) : "no kind"}`);
  const apiVersion = field(value, "apiVersion");
  if (apiVersion !== API_VERSION) throw new InputError(`apiVersion ${typeof apiVersion === "string" ? quote(apiVersion) : "(missing)"} is not supported; this version reads ${API_VERSION}`);
  return { metadata: readMetadata(field(value, "metadata")), spec: parseSpec(field(value, "spec")) };
}

/** parseEncryptedSecret, with errors attributed to `where` (a file). */
export function readEncryptedSecret(where: string, value: unknown): EncryptedSecretFile {
  try {
    return parseEncryptedSecret(value);
  } catch (err) {
    throw new ContextError(where, err);
  }
}

/** One EncryptedSecret from FILE or `-`. */
export async function loadEncryptedSecret(io: CliIo, path: string): Promise<EncryptedSecretFile> {
  const where = path === "-" ? "standard input" : path;
  const text = decodeUtf8(where, await readInput(io, path));
  return readEncryptedSecret(where, parseSingleDocument(where, text));
}

/**
 * The object the envelope is opened for: the manifest's own namespace and name, as the controller
 * would see them. `namespace` stands in when the manifest has none (a GitOps tool sets it on apply).
 */
export function targetOf(where: string, file: EncryptedSecretFile, namespace?: string): Target {
  const ns = file.metadata.namespace ?? namespace;
  if (ns === undefined && file.spec.scope !== "cluster") {
    throw new InputError(`${where}: metadata.namespace is missing and scope ${file.spec.scope} binds a namespace; pass --namespace`);
  }
  return { namespace: ns ?? "", name: file.metadata.name };
}
