// DANGER: the one place the CLI puts plaintext on disk — `envelope edit`'s file for the editor. It
// lives in a fresh private directory (mkdtemp, mode 0700) as a mode-0600 file, and dispose()
// overwrites every file in that directory with zeros (the editor's swap and backup files too) before
// removing it. Callers dispose in a finally block, on every path. Overwriting cannot reach copies a
// journaling or copy-on-write filesystem keeps; the docs say so.
import { mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

export interface PrivateTempFile {
  readonly path: string;
  /** The file's current bytes; the caller zeroes them. */
  read(): Promise<Buffer>;
  /** Zeroes and removes the file and everything else in its directory. Never throws. */
  dispose(): Promise<void>;
}

async function zeroFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    const { size } = await handle.stat();
    if (size > 0) await handle.write(Buffer.alloc(size), 0, size, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function shred(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isFile()) await zeroFile(join(dir, entry.name)).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true });
}

/** Creates `name` holding `content` in a new private directory under `tmpdir`. */
export async function createPrivateTempFile(tmpdir: string, name: string, content: string): Promise<PrivateTempFile> {
  const dir = await mkdtemp(join(tmpdir, "envelope-edit-"));
  const path = join(dir, name);
  try {
    const handle = await open(path, "wx", 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
  } catch (err) {
    await shred(dir);
    throw err;
  }
  return { path, read: () => readFile(path), dispose: () => shred(dir).catch(() => undefined) };
}
