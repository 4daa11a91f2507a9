// `envelope rewrap FILE|DIR… --key-version V`: moves the data keys of EncryptedSecrets in files to
// another KEK version (the same KEK id) without touching the values: unwrap + wrap (or the backend's
// own rewrap), verified against the key commitment before the file changes. Needs the provider in
// .envelope.yaml and KMS access. Idempotent: objects already at V are left alone.
import { LATEST_VERSION } from "../../api/v1alpha1/constants.ts";
import { bindingFor, rewrapEnvelope } from "../../envelope/index.ts";
import { loadConfig, type CliConfig } from "../config.ts";
import type { Command, Context } from "../context.ts";
import { rewriteEnvelopes, type Updater } from "../envelope-files.ts";
import { UsageError } from "../errors.ts";
import { EXIT } from "../exit-codes.ts";
import { HELP_OPTION, parseCommandArgs, requireOption } from "../options.ts";
import { withBackend } from "../providers.ts";

const OPTIONS = { ...HELP_OPTION, "key-version": { type: "string" }, config: { type: "string" }, namespace: { type: "string", short: "n" } } as const;

const USAGE = `Usage: envelope rewrap FILE|DIR… --key-version V|latest [--config FILE]

Rewraps the data key of every EncryptedSecret in the files (directories are walked for
*.yaml/*.yml) under version V of the KEK its keyRef names, through the provider its keyRef names
(declared in .envelope.yaml). Only spec.envelope and spec.keyRef.version change; the values,
comments and other documents stay. The new wrap is unwrapped again and checked against the key
commitment before the file is written. Objects already at V are left alone.

Flags:
      --key-version V|latest  target KEK version (latest: resolved through the provider)
      --config FILE           project config (default: .envelope.yaml in . or above)
  -n, --namespace NS          namespace for manifests that have none
  -h, --help                  this help
`;

function rewrapper(context: Context, config: CliConfig | undefined, requested: string, defaultNamespace: string | undefined): Updater {
  return async (file, where) => {
    const { keyRef, envelope, scope } = file.spec;
    return withBackend(context, config, keyRef.provider, async (backend) => {
      const version = requested === LATEST_VERSION ? await backend.currentVersion(keyRef.key) : requested;
      if (envelope.key === keyRef.key && envelope.keyVersion === version) {
        context.io.stdout.write(`up to date ${where}: key ${keyRef.key} version ${version}\n`);
        return keyRef.version === version || keyRef.version === LATEST_VERSION ? undefined : { envelope, keyVersion: version };
      }
      const binding = bindingFor(scope, file.metadata.namespace ?? defaultNamespace ?? "", file.metadata.name);
      const next = await rewrapEnvelope(backend, envelope, { key: keyRef.key, version }, binding);
      context.io.stdout.write(`rewrapped ${where}: key ${keyRef.key} version ${envelope.keyVersion} -> ${version}\n`);
      return { envelope: next, ...(keyRef.version === LATEST_VERSION ? {} : { keyVersion: version }) };
    });
  };
}

export const rewrapCommand: Command = {
  name: "rewrap",
  summary: "rewrap data keys in files under another KEK version, values untouched (KMS access)",
  usage: USAGE,
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs("rewrap", OPTIONS, argv);
    if (values.help === true) {
      context.io.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length === 0) throw new UsageError("rewrap: expected at least one FILE or DIR");
    const version = requireOption("rewrap", "key-version", values["key-version"]);
    const config = await loadConfig(context.io, values.config);
    const tally = await rewriteEnvelopes(context, "rewrap", positionals, rewrapper(context, config, version, values.namespace));
    context.io.stdout.write(`${tally.changed} rewrapped, ${tally.unchanged} up to date\n`);
    return EXIT.ok;
  },
};
