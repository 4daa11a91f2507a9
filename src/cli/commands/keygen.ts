// `envelope keygen`: creates a local key file (mode 0600) or adds a new version of a key to it, and
// prints the new version. The local backend is for development, air-gapped use and tests: the key
// file is the KEK itself and must never be committed.
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ProviderMisconfiguredError } from "../../errors.ts";
import { addVersion, generateLocalKeyFile, type KeyFileUpdate } from "../../kms/local/key-file.ts";
import type { Command, Context } from "../context.ts";
import { InputError, UsageError } from "../errors.ts";
import { resolvePath, writeFileAtomic } from "../io.ts";
import { checkPositionals, HELP_OPTION, parseCommandArgs, requireOption } from "../options.ts";

const OPTIONS = { ...HELP_OPTION, "key-file": { type: "string" }, key: { type: "string" } } as const;

const USAGE = `Usage: envelope keygen --key-file FILE --key NAME

Creates the local key file FILE (mode 0600) with version 1 of key NAME, or adds the next version of
NAME to an existing file. Prints the new version on stdout. Keep FILE out of git: it is the KEK.

Flags:
      --key-file FILE  local key file (declare it in .envelope.yaml: providers.NAME.local.keyFile)
      --key NAME       key name ([a-zA-Z0-9][-_a-zA-Z0-9]*)
  -h, --help           this help
`;

const KEY_NAME = /^[a-zA-Z0-9][-_a-zA-Z0-9]*$/;

interface KeygenOptions {
  readonly keyFile: string;
  readonly key: string;
}

export function parseKeygenOptions(argv: readonly string[]): KeygenOptions | "help" {
  const { values, positionals } = parseCommandArgs("keygen", OPTIONS, argv);
  if (values.help === true) return "help";
  checkPositionals("keygen", positionals, 0, "");
  const key = requireOption("keygen", "key", values.key);
  if (!KEY_NAME.test(key)) throw new UsageError(`keygen: --key must match ${KEY_NAME.source}`);
  return { keyFile: requireOption("keygen", "key-file", values["key-file"]), key };
}

/** The current key file's text, or undefined when there is none yet. */
async function readExisting(path: string, shown: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return undefined;
    throw new InputError(`cannot read ${shown}`, { cause: err });
  }
}

function nextKeyFile(existing: string | undefined, opts: KeygenOptions): KeyFileUpdate {
  if (existing === undefined) return generateLocalKeyFile(opts.key);
  try {
    return addVersion(existing, opts.key, undefined, opts.keyFile);
  } catch (err) {
    // Not a key file: refuse to touch it (exit 4, like any unusable local provider key file).
    throw new ProviderMisconfiguredError(err instanceof Error ? err.message : `${opts.keyFile}: not a key file`, { cause: err });
  }
}

export async function runKeygen(context: Context, opts: KeygenOptions): Promise<number> {
  const path = resolvePath(context.io, opts.keyFile);
  const next = nextKeyFile(await readExisting(path, opts.keyFile), opts);
  // A new directory for a key file is private too.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, next.text, 0o600);
  context.io.stdout.write(`${next.version}\n`);
  context.io.stderr.write(`envelope: added version ${next.version} of key ${opts.key} to ${opts.keyFile}\n`);
  return 0;
}

export const keygenCommand: Command = {
  name: "keygen",
  summary: "create a local key file, or add a new version of a key to it",
  usage: USAGE,
  run: async (argv, context) => {
    const opts = parseKeygenOptions(argv);
    if (opts === "help") {
      context.io.stdout.write(USAGE);
      return 0;
    }
    return runKeygen(context, opts);
  },
};
