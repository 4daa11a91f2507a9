// `envelope open FILE|-`: decrypts an EncryptedSecret (needs the key backend) and prints the Secret
// manifest to stdout. Deliberately no -o: the plaintext goes where the user redirects it, so writing
// it to disk is always an explicit act in the user's own shell, never a flag that is easy to misuse.
import { open, type Target } from "../../envelope/index.ts";
import { loadConfig, type CliConfig } from "../config.ts";
import type { Command, Context } from "../context.ts";
import { loadEncryptedSecret, targetOf, type EncryptedSecretFile } from "../encrypted-secret.ts";
import { inContext, UsageError } from "../errors.ts";
import { HELP_OPTION, parseCommandArgs } from "../options.ts";
import { withBackend } from "../providers.ts";
import { renderPlaintextSecret } from "../unsafe-plaintext.ts";
import type { SecretContent } from "../manifest.ts";

// -o is recognised only to refuse it with the reason.
const OPTIONS = { ...HELP_OPTION, namespace: { type: "string", short: "n" }, config: { type: "string" }, output: { type: "string", short: "o" } } as const;

const USAGE = `Usage: envelope open FILE|- [flags]

Decrypts an EncryptedSecret (needs decrypt access to its key) and prints the Secret manifest to
stdout: text values under stringData, binary values base64 under data. There is no -o: redirect
stdout if you really mean to write plaintext to a file.

Flags:
  -n, --namespace NS  namespace of the object when the file has no metadata.namespace
      --config FILE   project config (default: .envelope.yaml in . or above)
  -h, --help          this help
`;

interface OpenOptions {
  readonly file: string;
  readonly namespace: string | undefined;
  readonly config: string | undefined;
}

export function parseOpenOptions(argv: readonly string[]): OpenOptions | "help" {
  const { values, positionals } = parseCommandArgs("open", OPTIONS, argv);
  if (values.help === true) return "help";
  if (values.output !== undefined) throw new UsageError("open: there is no -o: the plaintext goes to stdout only (redirect it yourself if you must write it to a file)");
  if (positionals.length !== 1) throw new UsageError(`open: expected one FILE (or - for stdin), got ${positionals.length} arguments`);
  return { file: positionals[0] ?? "-", namespace: values.namespace, config: values.config };
}

/** The decrypted content of `file`: values plus the template's metadata. The caller zeroes the values. */
export async function openContent(context: Context, where: string, file: EncryptedSecretFile, config: CliConfig | undefined, namespace?: string): Promise<SecretContent> {
  const target = targetOf(where, file, namespace);
  const data = await inContext(where, () => withBackend(context, config, file.spec.keyRef.provider, (backend) => open(backend, file.spec, target)));
  return contentOf(file, target, data);
}

/** The Secret an opened envelope describes: the template's type and metadata, and the values. */
function contentOf(file: EncryptedSecretFile, target: Target, data: ReadonlyMap<string, Uint8Array>): SecretContent {
  const { type = "Opaque", immutable, metadata = {} } = file.spec.template ?? {};
  return {
    name: metadata.name ?? file.metadata.name,
    ...(target.namespace !== "" ? { namespace: target.namespace } : {}),
    type,
    ...(immutable !== undefined ? { immutable } : {}),
    labels: metadata.labels ?? {},
    annotations: metadata.annotations ?? {},
    data: new Map([...data].map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength)])),
  };
}

export async function runOpen(context: Context, opts: OpenOptions): Promise<number> {
  const where = opts.file === "-" ? "standard input" : opts.file;
  const file = await loadEncryptedSecret(context.io, opts.file);
  const content = await openContent(context, where, file, await loadConfig(context.io, opts.config), opts.namespace);
  try {
    context.io.stdout.write(renderPlaintextSecret({ ...content, name: content.name ?? "" }));
    return 0;
  } finally {
    for (const value of content.data.values()) value.fill(0);
  }
}

export const openCommand: Command = {
  name: "open",
  summary: "decrypt an EncryptedSecret and print the Secret (needs key access)",
  usage: USAGE,
  run: async (argv, context) => {
    const opts = parseOpenOptions(argv);
    if (opts === "help") {
      context.io.stdout.write(USAGE);
      return 0;
    }
    return runOpen(context, opts);
  },
};
