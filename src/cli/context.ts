// What every command gets besides its options: the injected I/O, a warning channel, and the seams
// (backend factory, editor, randomness) with their production defaults filled in once.
import type { RandomBytes } from "../envelope/index.ts";
import { spawnEditor, type EditorRunner } from "./editor.ts";
import type { CliIo } from "./io.ts";
import { createCliBackend, type BackendUse } from "./providers.ts";

export interface Context extends BackendUse {
  readonly io: CliIo;
  readonly warn: (message: string) => void;
  readonly runEditor: EditorRunner;
  /** Undefined: node:crypto. Tests inject a seeded source to make output reproducible. */
  readonly randomBytes: RandomBytes | undefined;
}

export function createContext(io: CliIo): Context {
  const warn = (message: string): void => io.stderr.write(`envelope: warning: ${message}\n`);
  return {
    io,
    warn,
    backends: io.backends ?? createCliBackend,
    ctx: { env: io.env, warn },
    runEditor: io.runEditor ?? spawnEditor,
    randomBytes: io.randomBytes,
  };
}

/** A command: its help text and its entry point (argv after the command name → exit code). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[], context: Context): Promise<number>;
}
