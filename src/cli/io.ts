// What the CLI touches outside its own memory, injected so every command runs in-process in tests:
// stdin/stdout/stderr, environment, working and temp directories, randomness, key backends and the
// editor. Also the two file primitives every command shares: bounded reads and atomic writes.
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { RandomBytes } from "../envelope/index.ts";
import type { EditorRunner } from "./editor.ts";
import { InputError, OutputError } from "./errors.ts";
import type { BackendFactory } from "./providers.ts";

export interface Writer {
  write(text: string): void;
}

export interface CliIo {
  /** Reads all of stdin (bounded by MAX_INPUT_BYTES). */
  readonly stdin: () => Promise<Buffer>;
  readonly stdinIsTTY: boolean;
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Where `edit` puts its private temp directory ($TMPDIR). */
  readonly tmpdir: string;
  readonly version: string;
  /** Test seams; production uses the defaults (node:crypto, providers.ts, the real editor). */
  readonly randomBytes?: RandomBytes;
  readonly backends?: BackendFactory;
  readonly runEditor?: EditorRunner;
}

/** Far above any valid input (a Secret holds at most 1 MiB), far below trouble. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

function code(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : "unknown error";
}

/** Reads a stream to its end, refusing more than `limit` bytes. Chunks are zeroed once copied. */
export async function readBounded(stream: AsyncIterable<Uint8Array | string>, limit: number = MAX_INPUT_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      total += bytes.length;
      chunks.push(bytes);
      if (total > limit) throw new InputError(`standard input is larger than ${limit} bytes`);
    }
    return Buffer.concat(chunks);
  } finally {
    for (const chunk of chunks) chunk.fill(0);
  }
}

export function resolvePath(io: Pick<CliIo, "cwd">, path: string): string {
  return resolve(io.cwd, path);
}

/** `-` reads stdin. The caller zeroes the returned buffer when it held plaintext. */
export async function readInput(io: CliIo, path: string): Promise<Buffer> {
  if (path === "-") return io.stdin();
  const full = resolvePath(io, path);
  try {
    const info = await stat(full);
    if (!info.isFile()) throw new InputError(`${path}: not a regular file`);
    if (info.size > MAX_INPUT_BYTES) throw new InputError(`${path}: larger than ${MAX_INPUT_BYTES} bytes`);
    return await readFile(full);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${path}: ${code(err)}`, { cause: err });
  }
}

/** Strict UTF-8 (a manifest is text); the message names the source, not the bytes. */
export function decodeUtf8(where: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${where}: not valid UTF-8`);
  }
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable; not every filesystem lets a directory be opened for fsync.
  const handle = await open(dir, "r").catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

/**
 * Replaces `path` with `data` atomically: a temp file in the same directory (so the rename cannot
 * cross filesystems), written, chmod-ed to `mode` (umask-independent) and fsync-ed, then renamed
 * over `path`. On any failure the temp file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${nodeRandomBytes(6).toString("hex")}.tmp`);
  let created = false;
  try {
    const handle = await open(temp, "wx", mode);
    created = true;
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    created = false;
    await syncDir(dirname(path));
  } catch (err) {
    if (created) await rm(temp, { force: true });
    throw new OutputError(`cannot write ${path}: ${code(err)}`, { cause: err });
  }
}

/** Writes a command's output to `-o FILE` (atomically) or to stdout. */
export async function emit(io: CliIo, output: string | undefined, text: string, mode: number): Promise<void> {
  if (output === undefined || output === "-") {
    io.stdout.write(text);
    return;
  }
  await writeFileAtomic(resolvePath(io, output), text, mode);
}
