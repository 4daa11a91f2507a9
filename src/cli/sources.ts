// Secret values from flags, as `kubectl create secret generic` takes them: --from-literal KEY=VALUE,
// --from-file [KEY=]PATH (key defaults to the file's base name), --from-env-file PATH (KEY=VALUE
// lines). A key given twice is an error rather than "last one wins": silently dropping a value is
// the kind of surprise a secret tool must not have. Messages never repeat an argument's value.
import { basename } from "node:path";
import { quote } from "../envelope/fields.ts";
import { InputError, UsageError } from "./errors.ts";
import { decodeUtf8, readInput, type CliIo } from "./io.ts";

export interface ValueSources {
  readonly literals: readonly string[];
  readonly files: readonly string[];
  readonly envFiles: readonly string[];
}

export function hasSources(sources: ValueSources): boolean {
  return sources.literals.length + sources.files.length + sources.envFiles.length > 0;
}

function put(out: Map<string, Buffer>, key: string, value: Buffer, origin: string): void {
  if (out.has(key)) {
    value.fill(0);
    throw new UsageError(`key ${quote(key)} is given more than once (again by ${origin})`);
  }
  out.set(key, value);
}

function splitOnce(text: string): [string, string] | undefined {
  const eq = text.indexOf("=");
  return eq < 0 ? undefined : [text.slice(0, eq), text.slice(eq + 1)];
}

function addLiteral(out: Map<string, Buffer>, literal: string, position: number): void {
  const parts = splitOnce(literal);
  // Only the position is named: the argument may be the value itself.
  if (parts === undefined || parts[0] === "") throw new UsageError(`--from-literal #${position}: expected KEY=VALUE`);
  put(out, parts[0], Buffer.from(parts[1], "utf8"), "--from-literal");
}

async function addFile(io: CliIo, out: Map<string, Buffer>, spec: string): Promise<void> {
  const parts = splitOnce(spec);
  const [key, path] = parts ?? [basename(spec), spec];
  if (key === "" || path === "") throw new UsageError(`--from-file ${quote(spec)}: expected [KEY=]PATH`);
  if (path === "-") throw new UsageError("--from-file: reading a value from stdin is not supported; use a file");
  put(out, key, await readInput(io, path), `--from-file ${quote(path)}`);
}

/** KEY=VALUE per line; blank lines and lines starting with # are skipped; no quote processing (like kubectl). */
export function parseEnvFile(where: string, text: string, out: Map<string, Buffer>): void {
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trimStart();
    if (line === "" || line.startsWith("#")) return;
    const parts = splitOnce(line);
    if (parts === undefined || parts[0] === "") throw new InputError(`${where}: line ${i + 1}: expected KEY=VALUE`);
    put(out, parts[0], Buffer.from(parts[1], "utf8"), `${where} line ${i + 1}`);
  });
}

async function addEnvFile(io: CliIo, out: Map<string, Buffer>, path: string): Promise<void> {
  const bytes = await readInput(io, path);
  try {
    parseEnvFile(path, decodeUtf8(path, bytes), out);
  } finally {
    bytes.fill(0);
  }
}

/** All values from the flags. On error every value read so far is zeroed. */
export async function readSources(io: CliIo, sources: ValueSources): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  try {
    sources.literals.forEach((literal, i) => addLiteral(out, literal, i + 1));
    for (const spec of sources.files) await addFile(io, out, spec);
    for (const path of sources.envFiles) await addEnvFile(io, out, path);
    return out;
  } catch (err) {
    for (const value of out.values()) value.fill(0);
    throw err;
  }
}
