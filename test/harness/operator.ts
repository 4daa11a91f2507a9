// Sets up the operator on the testbed the way the chart would: CRDs, the chart's own RBAC (rendered
// with `helm template`) for its ServiceAccount, a TokenRequest kubeconfig, a local KEK Secret and a
// KeyProvider — then runs the controller as a separate process with exactly those permissions.
import { randomBytes } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from "@kubernetes/client-node";
import { helmTemplate } from "../../hack/tools/helm.ts";
import { GROUP, PLURAL_ENCRYPTED_SECRETS, VERSION } from "../../src/api/v1alpha1/constants.ts";
import type { EncryptedSecret } from "../../src/api/v1alpha1/types.ts";
import { installCrds } from "./crds.ts";
import { adminKubeConfig, applyAll, ensureNamespace, parseManifests, serviceAccountKubeconfig } from "./kube.ts";

export const OPERATOR_NAMESPACE = "envelope-system";
// Not "envelope": that release name is left to the helm install test, which adopts the CRDs.
export const RELEASE = "envelope-it";

const RBAC_KINDS = new Set(["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]);

/** The chart's RBAC objects and ServiceAccount name, rendered with default values. */
export async function chartRbac(): Promise<{ objects: KubernetesObject[]; serviceAccount: string }> {
  const rendered = parseManifests(await helmTemplate(RELEASE, OPERATOR_NAMESPACE));
  const sa = rendered.find((o) => o.kind === "ServiceAccount");
  if (sa?.metadata?.name === undefined) throw new Error("the chart renders no ServiceAccount");
  return { objects: rendered.filter((o) => RBAC_KINDS.has(o.kind ?? "")), serviceAccount: sa.metadata.name };
}

/** CRDs + chart RBAC applied; returns a kubeconfig that authenticates as the chart's ServiceAccount. */
export async function installOperatorIdentity(): Promise<string> {
  await installCrds();
  const { objects, serviceAccount } = await chartRbac();
  return serviceAccountKubeconfig(OPERATOR_NAMESPACE, serviceAccount, objects);
}

/** A Secret holding local KEK versions (`<key>.<version>` → 32 random bytes) and a KeyProvider using it. */
export async function createLocalProvider(name: string, key: string, versions: readonly string[], spec: Record<string, unknown> = {}): Promise<Record<string, Buffer>> {
  const admin = adminKubeConfig();
  await ensureNamespace(admin, OPERATOR_NAMESPACE);
  const keys: Record<string, Buffer> = Object.fromEntries(versions.map((v) => [`${key}.${v}`, randomBytes(32)]));
  await applyAll(admin, [
    { apiVersion: "v1", kind: "Secret", metadata: { name: `${name}-keks`, namespace: OPERATOR_NAMESPACE }, data: Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.toString("base64")])) } as KubernetesObject,
  ]);
  await upsertKeyProvider(name, { local: { secretRef: { namespace: OPERATOR_NAMESPACE, name: `${name}-keks` } }, ...spec });
  return keys;
}

export async function upsertKeyProvider(name: string, spec: Record<string, unknown>): Promise<void> {
  await applyAll(adminKubeConfig(), [{ apiVersion: `${GROUP}/${VERSION}`, kind: "KeyProvider", metadata: { name }, spec } as KubernetesObject]);
}

export function encryptedSecrets(): { get(ns: string, name: string): Promise<EncryptedSecret>; apply(es: EncryptedSecret): Promise<void>; remove(ns: string, name: string): Promise<void> } {
  const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
  return {
    get: async (namespace, name) => (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS, namespace, name })) as EncryptedSecret,
    apply: async (es) => {
      await applyAll(adminKubeConfig(), [{ ...es, status: undefined } as unknown as KubernetesObject]);
    },
    remove: async (namespace, name) => {
      await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS, namespace, name });
    },
  };
}

export function core(): CoreV1Api {
  return adminKubeConfig().makeApiClient(CoreV1Api);
}
