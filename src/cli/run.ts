// The CLI core: argv (without node and script) + injected I/O → exit code. Dispatches to a command,
// prints errors as "envelope: <message>" on stderr and maps them to exit codes (exit-codes.ts).
// Never exits the process and never reads process state: main.ts does that, tests call run().
import { editCommand } from "./commands/edit.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { keygenCommand } from "./commands/keygen.ts";
import { openCommand } from "./commands/open.ts";
import { pubkeyCommand } from "./commands/pubkey.ts";
import { sealCommand } from "./commands/seal.ts";
import { pullCommand } from "./commands/pull.ts";
import { rewrapCommand } from "./commands/rewrap.ts";
import { statusCommand } from "./commands/status.ts";
import { verifyCommand } from "./commands/verify.ts";
import { createContext, type Command } from "./context.ts";
import { messageOf, UsageError } from "./errors.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";
import type { CliIo } from "./io.ts";

export const COMMANDS: readonly Command[] = [sealCommand, openCommand, inspectCommand, verifyCommand, editCommand, pubkeyCommand, keygenCommand, rewrapCommand, pullCommand, statusCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: envelope COMMAND [flags]        (also: kubectl envelope COMMAND)

Seal Kubernetes Secrets into EncryptedSecrets whose data key is wrapped by a KMS/HSM key, and
open, inspect, verify and edit them.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Flags:
  -h, --help     help (also: envelope COMMAND --help, envelope help COMMAND)
      --version  print the version

Exit codes: 0 ok, 1 verify found a failing object, 2 usage or configuration error,
3 input or format error, 4 key backend error, 5 other failure (editor, output, internal).
Docs: docs/cli.md
`;
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command !== undefined) return command;
  // An option, or a word that could be a mistyped value: neither is echoed in full.
  const shown = name.startsWith("-") ? "an option before the command" : JSON.stringify(name.slice(0, 40));
  throw new UsageError(`unknown command: ${shown} (commands: ${COMMANDS.map((c) => c.name).join(", ")})`);
}

/** What argv asks for: global help, the version, a command's help text, or a command to run. */
function dispatch(argv: readonly string[]): Command | { readonly text: (io: CliIo) => string } {
  const [first, second] = argv;
  if (first === undefined || first === "-h" || first === "--help") return { text: usage };
  if (first === "--version") return { text: (io) => `envelope ${io.version}\n` };
  if (first !== "help") return findCommand(first);
  if (second === undefined) return { text: usage };
  const command = findCommand(second);
  return { text: () => command.usage };
}

/** Runs one CLI invocation and returns its exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const target = dispatch(argv);
    if ("text" in target) {
      io.stdout.write(target.text(io));
      return EXIT.ok;
    }
    return await target.run(argv.slice(1), createContext(io));
  } catch (err) {
    io.stderr.write(`envelope: ${messageOf(err)}\n`);
    return exitCodeFor(err);
  }
}
