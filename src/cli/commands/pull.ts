// `envelope pull FILE|DIR…`: copies envelopes the controller rewrapped in the cluster back into the
// files in git. For each EncryptedSecret in the files it reads the in-cluster object and, when its
// status envelope replaces exactly the file's envelope, writes that envelope into the file. Needs
// read access to EncryptedSecrets only — no KMS access. Idempotent.
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { GROUP, PLURAL_ENCRYPTED_SECRETS, VERSION } from "../../api/v1alpha1/constants.ts";
import type { EncryptedSecret } from "../../api/v1alpha1/types.ts";
import { envelopeDigest } from "../../controller/key-version.ts";
import { ProviderUnavailableError } from "../../errors.ts";
import type { Command, Context } from "../context.ts";
import { rewriteEnvelopes, type Updater } from "../envelope-files.ts";
import { InputError, UsageError } from "../errors.ts";
import { EXIT } from "../exit-codes.ts";
import { HELP_OPTION, parseCommandArgs } from "../options.ts";

const OPTIONS = { ...HELP_OPTION, kubeconfig: { type: "string" } } as const;

const USAGE = `Usage: envelope pull FILE|DIR… [--kubeconfig FILE]

For every EncryptedSecret in the files (directories are walked for *.yaml/*.yml), reads the object
from the cluster and, if the controller rewrapped its data key (status.envelope replaces the
file's envelope), writes the rewrapped envelope into the file. Only spec.envelope changes; values,
comments and other documents stay. Needs read access to EncryptedSecrets, no KMS access.

Flags:
      --kubeconfig FILE  kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
  -h, --help             this help
`;

function client(context: Context, kubeconfig: string | undefined): CustomObjectsApi {
  const kc = new KubeConfig();
  const path = kubeconfig ?? context.io.env.KUBECONFIG;
  if (path !== undefined && path !== "") kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc.makeApiClient(CustomObjectsApi);
}

async function fetchObject(api: CustomObjectsApi, namespace: string, name: string): Promise<EncryptedSecret | undefined> {
  try {
    return (await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS, namespace, name })) as EncryptedSecret;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 404) return undefined;
    throw new ProviderUnavailableError(`reading EncryptedSecret ${namespace}/${name} from the cluster failed${typeof code === "number" ? ` with HTTP ${code}` : ""}`, { cause: err });
  }
}

function puller(context: Context, api: CustomObjectsApi): Updater {
  return async (file, where) => {
    const namespace = file.metadata.namespace;
    if (namespace === undefined) throw new InputError(`pull: ${where}: metadata.namespace is missing (needed to find the object in the cluster)`);
    const live = await fetchObject(api, namespace, file.metadata.name);
    const rewrapped = live?.status?.envelope;
    if (rewrapped === undefined || rewrapped.replaces !== envelopeDigest(file.spec.envelope)) {
      context.io.stdout.write(`up to date ${where}: ${namespace}/${file.metadata.name}\n`);
      return undefined;
    }
    const { replaces: _replaces, ...envelope } = rewrapped;
    context.io.stdout.write(`pulled ${where}: ${namespace}/${file.metadata.name} key version ${file.spec.envelope.keyVersion} -> ${envelope.keyVersion}\n`);
    return { envelope };
  };
}

export const pullCommand: Command = {
  name: "pull",
  summary: "copy envelopes the controller rewrapped in the cluster back into files (read-only access)",
  usage: USAGE,
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs("pull", OPTIONS, argv);
    if (values.help === true) {
      context.io.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length === 0) throw new UsageError("pull: expected at least one FILE or DIR");
    const tally = await rewriteEnvelopes(context, "pull", positionals, puller(context, client(context, values.kubeconfig)));
    context.io.stdout.write(`${tally.changed} pulled, ${tally.unchanged} up to date\n`);
    return EXIT.ok;
  },
};
