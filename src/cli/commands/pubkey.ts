// `envelope pubkey`: exports the public half of an asymmetric KEK as a bundle (bundle.ts) that
// `envelope seal --public-key` uses to seal without backend access. Symmetric KEKs (local keys, AES
// keys in an HSM, AWS symmetric keys) have no public half: a typed NoPublicKeyError, exit 4.
import { LATEST_VERSION } from "../../api/v1alpha1/constants.ts";
import { renderBundle } from "../bundle.ts";
import { loadConfig } from "../config.ts";
import type { Command, Context } from "../context.ts";
import { NoPublicKeyError } from "../errors.ts";
import { emit } from "../io.ts";
import { checkPositionals, HELP_OPTION, parseCommandArgs, requireOption } from "../options.ts";
import { withBackend } from "../providers.ts";

const OPTIONS = {
  ...HELP_OPTION,
  provider: { type: "string" },
  key: { type: "string" },
  "key-version": { type: "string" },
  config: { type: "string" },
  output: { type: "string", short: "o" },
} as const;

const USAGE = `Usage: envelope pubkey --provider NAME --key KEY [--key-version V] [-o FILE]

Exports the public key of an asymmetric (RSA) KEK as a bundle for offline sealing
(envelope seal --public-key FILE). The bundle records the provider, key, version and wrap algorithm.
Symmetric KEKs (local keys) have no public key.

Flags:
      --provider NAME         provider from .envelope.yaml
      --key KEY               KEK id
      --key-version V|latest  version to export (default latest, resolved to a concrete version)
      --config FILE           project config (default: .envelope.yaml in . or above)
  -o, --output FILE           write here atomically (mode 0644) instead of stdout
  -h, --help                  this help
`;

interface PubkeyOptions {
  readonly provider: string;
  readonly key: string;
  readonly keyVersion: string;
  readonly config: string | undefined;
  readonly output: string | undefined;
}

export function parsePubkeyOptions(argv: readonly string[]): PubkeyOptions | "help" {
  const { values, positionals } = parseCommandArgs("pubkey", OPTIONS, argv);
  if (values.help === true) return "help";
  checkPositionals("pubkey", positionals, 0, "");
  return {
    provider: requireOption("pubkey", "provider", values.provider),
    key: requireOption("pubkey", "key", values.key),
    keyVersion: values["key-version"] ?? LATEST_VERSION,
    config: values.config,
    output: values.output,
  };
}

export async function runPubkey(context: Context, opts: PubkeyOptions): Promise<number> {
  const config = await loadConfig(context.io, opts.config);
  const bundle = await withBackend(context, config, opts.provider, async (backend) => {
    const version = opts.keyVersion === LATEST_VERSION ? await backend.currentVersion(opts.key) : opts.keyVersion;
    const info = await backend.publicKey({ key: opts.key, version });
    if (info === undefined) {
      throw new NoPublicKeyError(`provider ${opts.provider} (${backend.type}) key ${JSON.stringify(opts.key)}: the KEK is symmetric and has no public key; offline sealing needs an RSA KEK (AWS KMS, Azure Key Vault or PKCS#11 RSA)`);
    }
    return renderBundle({ provider: opts.provider, kek: info.kek, algorithm: info.algorithm, pem: info.pem });
  });
  await emit(context.io, opts.output, bundle, 0o644);
  return 0;
}

export const pubkeyCommand: Command = {
  name: "pubkey",
  summary: "export an RSA KEK's public key bundle for offline sealing",
  usage: USAGE,
  run: async (argv, context) => {
    const opts = parsePubkeyOptions(argv);
    if (opts === "help") {
      context.io.stdout.write(USAGE);
      return 0;
    }
    return runPubkey(context, opts);
  },
};
