// `envelope status [-n NS] [--kubeconfig FILE] [-o text|json]`: the rotation inventory of the
// cluster — objects per provider/key/KEK version in use, objects rewrapped in the cluster that git
// has not caught up with, and objects that are not Ready. Needs only read access to EncryptedSecrets.
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { GROUP, PLURAL_ENCRYPTED_SECRETS, VERSION } from "../../api/v1alpha1/constants.ts";
import type { EncryptedSecret } from "../../api/v1alpha1/types.ts";
import { ProviderUnavailableError } from "../../errors.ts";
import type { Command, Context } from "../context.ts";
import { UsageError } from "../errors.ts";
import { EXIT } from "../exit-codes.ts";
import { inventory, renderInventory } from "../inventory.ts";
import { HELP_OPTION, parseCommandArgs, parseOutputFormat } from "../options.ts";

const OPTIONS = { ...HELP_OPTION, namespace: { type: "string", short: "n" }, kubeconfig: { type: "string" }, output: { type: "string", short: "o" } } as const;

const USAGE = `Usage: envelope status [-n NAMESPACE] [--kubeconfig FILE] [-o text|json]

Shows, for the cluster of the current kubeconfig, how many EncryptedSecrets use each
provider/key/KEK version (the envelope in use, so a version can be retired once it shows 0), the
objects the controller rewrapped that git has not caught up with, and the objects that are not
Ready (with their reason). Reads EncryptedSecrets only; decrypts nothing.

Flags:
  -n, --namespace NS     one namespace (default: all namespaces)
      --kubeconfig FILE  kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
  -o, --output FORMAT    text (default) or json
  -h, --help             this help
`;

async function list(context: Context, kubeconfig: string | undefined, namespace: string | undefined): Promise<EncryptedSecret[]> {
  const kc = new KubeConfig();
  const path = kubeconfig ?? context.io.env.KUBECONFIG;
  if (path !== undefined && path !== "") kc.loadFromFile(path);
  else kc.loadFromDefault();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const common = { group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS };
  try {
    const result = (namespace === undefined ? await custom.listClusterCustomObject(common) : await custom.listNamespacedCustomObject({ ...common, namespace })) as { items?: EncryptedSecret[] };
    return result.items ?? [];
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ProviderUnavailableError(`listing EncryptedSecrets from ${kc.getCurrentCluster()?.server ?? "the cluster"} failed${typeof code === "number" ? ` with HTTP ${code}` : ""}`, { cause: err });
  }
}

export const statusCommand: Command = {
  name: "status",
  summary: "inventory of the cluster: objects per KEK version, rewrapped-not-in-git, not Ready",
  usage: USAGE,
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs("status", OPTIONS, argv);
    if (values.help === true) {
      context.io.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`status: takes no arguments, got ${positionals.length}`);
    const inv = inventory(await list(context, values.kubeconfig, values.namespace));
    context.io.stdout.write(parseOutputFormat("status", values.output) === "json" ? `${JSON.stringify(inv, null, 2)}\n` : renderInventory(inv));
    return EXIT.ok;
  },
};
