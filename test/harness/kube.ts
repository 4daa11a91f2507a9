// Kubernetes helpers for tests: admin access to the testbed apiserver, server-side apply of
// arbitrary manifests, and a kubeconfig that authenticates as a ServiceAccount through the
// TokenRequest API — so the controller under test runs with exactly the RBAC it is given.
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { KubeConfig, KubernetesObjectApi, CoreV1Api, PatchStrategy, loadAllYaml, type KubernetesObject } from "@kubernetes/client-node";
import { testbed } from "./testbed.ts";

export const FIELD_MANAGER = "envelope-tests";

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testbed().kube.kubeconfig);
  return kc;
}

/**
 * Parses YAML manifests into client-node's typed models. KubernetesObjectApi serializes built-in kinds
 * through those models and silently drops wire-format keys it does not know (e.g. a CRD's
 * `x-kubernetes-validations` given as plain YAML), so manifests must go through loadAllYaml first.
 */
export function parseManifests(text: string): KubernetesObject[] {
  return (loadAllYaml(text) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => o !== null && typeof o === "object");
}

/** Server-side applies every object, in order, as the given identity. */
export async function applyAll(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    await client.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
}

export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  await applyAll(kc, [{ apiVersion: "v1", kind: "Namespace", metadata: { name } }]);
}

/**
 * Creates ServiceAccount `namespace/name` (as admin), applies `rbac` (as admin), requests a token for
 * the ServiceAccount and returns the path of a kubeconfig that authenticates with it.
 */
export async function serviceAccountKubeconfig(namespace: string, name: string, rbac: readonly KubernetesObject[] = []): Promise<string> {
  const admin = adminKubeConfig();
  await ensureNamespace(admin, namespace);
  await applyAll(admin, [{ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } }, ...rbac]);
  const core = admin.makeApiClient(CoreV1Api);
  const token = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster();
  if (cluster === null || token.status?.token === undefined) throw new Error("TokenRequest returned no token");
  // Inside the testbed's directory, so `down` removes it with everything else.
  const file = join(mkdtempSync(join(testbed().dir, "sa-")), "kubeconfig");
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "testbed", server: cluster.server, caFile: testbed().kube.caFile, skipTLSVerify: false }],
    users: [{ name: `${namespace}-${name}`, token: token.status.token }],
    contexts: [{ name: "sa", cluster: "testbed", user: `${namespace}-${name}`, namespace }],
    currentContext: "sa",
  });
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

/**
 * Polls `check` until it returns a value that is not undefined. This awaits a condition in another
 * process (apiserver, controller); it never sleeps a fixed time as synchronization.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await delay(100);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ""}`);
}

/** HTTP status code of a client-node ApiException, or undefined for other errors. */
export function statusCode(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number") return err.code;
  return undefined;
}
