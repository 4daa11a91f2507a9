// Where the testbed keeps things: built binaries are cached outside the clone (keyed by version) so a
// fresh clone on the same machine reuses them; each running testbed gets its own temp directory.
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface TestbedPaths {
  /** Cache root for built binaries and downloaded jars: $ENVELOPE_CACHE_DIR or ~/.cache/envelope-operator. */
  readonly cache: string;
  /** Repository root. */
  readonly repo: string;
}

export function testbedPaths(env: NodeJS.ProcessEnv): TestbedPaths {
  const cache = env.ENVELOPE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "envelope-operator");
  return { cache: resolve(cache), repo: resolve(import.meta.dirname, "..", "..", "..") };
}

export function defaultRunRoot(): string {
  return tmpdir();
}
