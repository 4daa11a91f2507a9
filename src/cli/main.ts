#!/usr/bin/env node
// CLI composition root (`envelope`, also `kubectl-envelope`): the only CLI module that reads
// process.argv/env and sets the exit status. Everything else gets a CliIo (run.ts).
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readBounded } from "./io.ts";
import { run } from "./run.ts";

/** The package version, from the nearest package.json above this file (src/cli or dist/cli). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "envelope-operator" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not here; keep looking
    }
  }
  return "unknown";
}

// `envelope … | head` closes the pipe early: the rest of the output is unwanted, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
});

process.exitCode = await run(process.argv.slice(2), {
  stdin: () => readBounded(process.stdin),
  stdinIsTTY: process.stdin.isTTY === true,
  stdout: { write: (text) => void process.stdout.write(text) },
  stderr: { write: (text) => void process.stderr.write(text) },
  env: process.env,
  cwd: process.cwd(),
  tmpdir: tmpdir(),
  version: packageVersion(),
});
