// The YAML files a command works on: named files as given, directories walked recursively for
// *.yaml/*.yml (hidden entries skipped), in a stable order. A missing path is an input error.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Context } from "./context.ts";
import { InputError } from "./errors.ts";
import { resolvePath } from "./io.ts";

export interface FoundFile {
  /** Absolute path, or "-" for standard input. */
  readonly full: string;
  /** As the user named it (for messages). */
  readonly shown: string;
}

async function walk(dir: string, shown: string, out: FoundFile[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const full = join(dir, entry.name);
    const child = join(shown, entry.name);
    if (entry.isDirectory()) await walk(full, child, out);
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push({ full, shown: child });
  }
}

export async function collectYamlFiles(context: Context, command: string, paths: readonly string[], allowStdin: boolean): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  for (const path of paths) {
    if (path === "-" && allowStdin) {
      out.push({ full: "-", shown: "standard input" });
      continue;
    }
    const full = resolvePath(context.io, path);
    const info = await stat(full).catch(() => undefined);
    if (info === undefined) throw new InputError(`${command}: ${path}: no such file or directory`);
    if (info.isDirectory()) await walk(full, path, out);
    else out.push({ full, shown: path });
  }
  return out;
}
