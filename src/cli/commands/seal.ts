// `envelope seal`: a Secret (manifest on stdin or -f FILE, or built from --from-* flags) → an
// EncryptedSecret YAML on stdout or -o FILE. Through a key backend (.envelope.yaml) or offline with
// --public-key. Plaintext is never written anywhere; value buffers are zeroed when done.
import { LATEST_VERSION } from "../../api/v1alpha1/constants.ts";
import type { KeyRefSpec, Scope } from "../../api/v1alpha1/types.ts";
import { parseBundle, type PublicKeyBundle } from "../bundle.ts";
import { loadConfig } from "../config.ts";
import type { Command, Context } from "../context.ts";
import { UsageError } from "../errors.ts";
import { decodeUtf8, emit, readInput, resolvePath } from "../io.ts";
import { parseSecretManifest, zeroContent, type SecretContent } from "../manifest.ts";
import { checkPositionals, HELP_OPTION, parseCommandArgs, parseScopeFlag, type OptionValues } from "../options.ts";
import { resolveKeyRef, type KeyRefFlags } from "../rules.ts";
import { sealWithBundle, sealWithProvider, type SealRequest } from "../sealing.ts";
import { hasSources, readSources, type ValueSources } from "../sources.ts";
import { parseSingleDocument } from "../yaml-input.ts";

const OPTIONS = {
  ...HELP_OPTION,
  filename: { type: "string", short: "f" },
  "from-literal": { type: "string", multiple: true },
  "from-file": { type: "string", multiple: true },
  "from-env-file": { type: "string", multiple: true },
  name: { type: "string" },
  namespace: { type: "string", short: "n" },
  type: { type: "string" },
  provider: { type: "string" },
  key: { type: "string" },
  "key-version": { type: "string" },
  "public-key": { type: "string" },
  scope: { type: "string" },
  config: { type: "string" },
  output: { type: "string", short: "o" },
} as const;

const USAGE = `Usage: envelope seal [-f FILE|-] [flags]
       envelope seal --from-literal KEY=VALUE… --name NAME --namespace NS [flags]

Seals a Secret into an EncryptedSecret. Input is one Secret manifest (stdin by default, or -f FILE;
"-" is stdin), or values from --from-literal / --from-file / --from-env-file.

Input:
  -f, --filename FILE|-        Secret manifest (exactly one YAML document; data and stringData)
      --from-literal KEY=VALUE value from the command line (repeatable; visible in shell history)
      --from-file [KEY=]PATH   value from a file; KEY defaults to the file name (repeatable)
      --from-env-file PATH     KEY=VALUE lines (repeatable)
      --name NAME              object name (default: the manifest's metadata.name)
  -n, --namespace NS           namespace (default: the manifest's metadata.namespace)
      --type TYPE              Secret type (default: the manifest's type, else Opaque)
Key:
      --provider NAME          provider from .envelope.yaml (default: the first matching rule)
      --key KEY                KEK id (default: from the rule)
      --key-version V|latest   KEK version (default: the rule's keyVersion, else latest)
      --public-key FILE        seal offline with a bundle from envelope pubkey (no backend access)
      --config FILE            project config (default: .envelope.yaml in . or above)
Output:
      --scope SCOPE            strict (namespace+name, default) | namespace | cluster
  -o, --output FILE            write here atomically (mode 0644) instead of stdout
  -h, --help                   this help
`;

interface SealOptions {
  readonly input: { readonly manifest: string } | { readonly sources: ValueSources };
  readonly name: string | undefined;
  readonly namespace: string | undefined;
  readonly type: string | undefined;
  readonly keyFlags: KeyRefFlags;
  readonly publicKey: string | undefined;
  readonly scope: Scope;
  readonly config: string | undefined;
  readonly output: string | undefined;
}

function sourcesOf(values: OptionValues<typeof OPTIONS>): ValueSources {
  return { literals: values["from-literal"] ?? [], files: values["from-file"] ?? [], envFiles: values["from-env-file"] ?? [] };
}

function inputOf(values: OptionValues<typeof OPTIONS>, positionals: readonly string[], stdinIsTTY: boolean): SealOptions["input"] {
  const sources = sourcesOf(values);
  const manifest = values.filename ?? positionals[0];
  if (values.filename !== undefined && positionals.length > 0) throw new UsageError("seal: give the manifest either as -f FILE or as an argument, not both");
  if (hasSources(sources) && manifest !== undefined) throw new UsageError("seal: a manifest (-f FILE or a FILE argument) and --from-* flags cannot be combined");
  if (hasSources(sources)) return { sources };
  if (manifest === undefined && stdinIsTTY) throw new UsageError("seal: no input: pipe a Secret manifest, or use -f FILE or --from-literal (see envelope seal --help)");
  return { manifest: manifest ?? "-" };
}

export function parseSealOptions(argv: readonly string[], stdinIsTTY: boolean): SealOptions | "help" {
  const { values, positionals } = parseCommandArgs("seal", OPTIONS, argv);
  if (values.help === true) return "help";
  checkPositionals("seal", positionals, 1, "FILE|-");
  return {
    input: inputOf(values, positionals, stdinIsTTY),
    name: values.name,
    namespace: values.namespace,
    type: values.type,
    keyFlags: { provider: values.provider, key: values.key, keyVersion: values["key-version"] },
    publicKey: values["public-key"],
    scope: parseScopeFlag("seal", values.scope),
    config: values.config,
    output: values.output,
  };
}

async function readContent(context: Context, input: SealOptions["input"]): Promise<SecretContent> {
  if ("sources" in input) return { type: "Opaque", labels: {}, annotations: {}, data: await readSources(context.io, input.sources) };
  const where = input.manifest === "-" ? "standard input" : input.manifest;
  const bytes = await readInput(context.io, input.manifest);
  try {
    return parseSecretManifest(where, parseSingleDocument(where, decodeUtf8(where, bytes)), context.warn);
  } finally {
    bytes.fill(0);
  }
}

function request(opts: SealOptions, content: SecretContent, keyRef: KeyRefSpec): SealRequest {
  const name = opts.name ?? content.name;
  const namespace = opts.namespace ?? content.namespace;
  if (name === undefined) throw new UsageError("seal: no name: set metadata.name in the manifest or pass --name");
  if (namespace === undefined && opts.scope !== "cluster") throw new UsageError(`seal: no namespace: scope ${opts.scope} binds the values to a namespace; pass --namespace`);
  const withType = opts.type !== undefined ? { ...content, type: opts.type } : content;
  return { content: withType, scope: opts.scope, metadata: { name, namespace }, keyRef };
}

function bundleKeyRef(bundle: PublicKeyBundle, flags: KeyRefFlags): KeyRefSpec {
  const mismatch = (flag: string, given: string | undefined, actual: string): void => {
    if (given !== undefined && given !== actual) throw new UsageError(`seal: --${flag} does not match the public key bundle (${flag} ${JSON.stringify(actual)})`);
  };
  mismatch("provider", flags.provider, bundle.provider);
  mismatch("key", flags.key, bundle.kek.key);
  // "latest" keeps following new versions in the cluster; the envelope records the bundle's version.
  if (flags.keyVersion !== LATEST_VERSION) mismatch("key-version", flags.keyVersion, bundle.kek.version);
  return { provider: bundle.provider, key: bundle.kek.key, version: flags.keyVersion ?? bundle.kek.version };
}

/** The file the rules are matched against: where the output goes, else where the input came from. */
function rulePath(context: Context, opts: SealOptions): string | undefined {
  const path = opts.output ?? ("manifest" in opts.input ? opts.input.manifest : undefined);
  return path === undefined || path === "-" ? undefined : resolvePath(context.io, path);
}

async function sealContent(context: Context, opts: SealOptions, content: SecretContent): Promise<string> {
  if (opts.publicKey !== undefined) {
    const bundle = parseBundle(opts.publicKey, decodeUtf8(opts.publicKey, await readInput(context.io, opts.publicKey)));
    return sealWithBundle(context, bundle, request(opts, content, bundleKeyRef(bundle, opts.keyFlags)));
  }
  const config = await loadConfig(context.io, opts.config);
  const namespace = opts.namespace ?? content.namespace;
  const keyRef = resolveKeyRef(config, { file: rulePath(context, opts), namespace }, opts.keyFlags);
  return sealWithProvider(context, config, request(opts, content, keyRef));
}

export async function runSeal(context: Context, opts: SealOptions): Promise<number> {
  const content = await readContent(context, opts.input);
  try {
    await emit(context.io, opts.output, await sealContent(context, opts, content), 0o644);
    return 0;
  } finally {
    zeroContent(content);
  }
}

export const sealCommand: Command = {
  name: "seal",
  summary: "seal a Secret into an EncryptedSecret",
  usage: USAGE,
  run: async (argv, context) => {
    const opts = parseSealOptions(argv, context.io.stdinIsTTY);
    if (opts === "help") {
      context.io.stdout.write(USAGE);
      return 0;
    }
    return runSeal(context, opts);
  },
};
