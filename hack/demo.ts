// The main job on the embedded default, no cloud account needed: start a real control plane, install
// the CRDs and the chart's RBAC, create a `local` KeyProvider, seal a Secret, run the controller as
// its ServiceAccount, and show the Secret it materializes. Everything is stopped afterwards.
//   npm run demo
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, loadAllYaml, type KubernetesObject } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { down, selectComponents, up } from "./lib/testbed/testbed.ts";
import { helmTemplate } from "./tools/helm.ts";
import { seal } from "../src/envelope/index.ts";
import { LocalBackend } from "../src/kms/local/local.ts";
import { keySetFromSecretData } from "../src/kms/local/key-set.ts";

const NS = "envelope-system";
const say = (m: string): void => console.log(`\n==> ${m}`);

async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    await delay(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function apply(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const o of objects) await api.patch(o, undefined, undefined, "envelope-demo", true, PatchStrategy.ServerSideApply);
}

async function saKubeconfig(admin: KubeConfig, sa: string, caFile: string): Promise<string> {
  const token = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({ name: sa, namespace: NS, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: "c", server: admin.getCurrentCluster()!.server, caFile }], users: [{ name: "u", token: token.status!.token }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
  const file = join(mkdtempSync(join(tmpdir(), "envelope-demo-")), "kubeconfig");
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

async function main(): Promise<void> {
  say("Starting etcd, kube-apiserver and kube-controller-manager (built from source on first use)");
  const state = await up({ components: selectComponents("kube"), log: (m) => console.log(`    ${m}`), env: process.env });
  const controllers: ReturnType<typeof spawn>[] = [];
  try {
    const admin = new KubeConfig();
    admin.loadFromFile(state.info.kube.kubeconfig);
    say("Installing the CRDs and the Helm chart's ServiceAccount + RBAC (helm template)");
    const crds = readdirSync("crds").flatMap((f) => loadAllYaml(readFileSync(join("crds", f), "utf8")) as KubernetesObject[]);
    const chart = (loadAllYaml(await helmTemplate("envelope", NS)) as KubernetesObject[]).filter((o) => ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"].includes(o.kind ?? ""));
    await apply(admin, [{ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }, ...crds, ...chart]);

    say("Creating a local KEK (32 random bytes in a Secret) and KeyProvider \"local-dev\"");
    const kek = randomBytes(32);
    await apply(admin, [
      { apiVersion: "v1", kind: "Secret", metadata: { name: "local-dev-keks", namespace: NS }, data: { "app.1": kek.toString("base64") } } as KubernetesObject,
      { apiVersion: "envelope.dev/v1alpha1", kind: "KeyProvider", metadata: { name: "local-dev" }, spec: { local: { secretRef: { namespace: NS, name: "local-dev-keks" } } } } as KubernetesObject,
    ]);

    say("Sealing Secret default/db (password=s3cr3t) — this YAML is what you commit to git");
    const backend = new LocalBackend(async () => keySetFromSecretData("demo", { "app.1": kek.toString("base64") }));
    const spec = await seal(backend, { key: "app", version: "1" }, { scope: "strict", namespace: "default", name: "db", template: { type: "Opaque" }, data: { password: Buffer.from("s3cr3t") } });
    const es = { apiVersion: "envelope.dev/v1alpha1", kind: "EncryptedSecret", metadata: { name: "db", namespace: "default" }, spec: { keyRef: { provider: "local-dev", key: "app", version: "1" }, ...spec } };
    console.log(stringify(es).replace(/^/gm, "    "));
    await apply(admin, [es]);

    say("Starting the controller as the chart's ServiceAccount");
    const sa = chart.find((o) => o.kind === "ServiceAccount")!.metadata!.name!;
    const kubeconfig = await saKubeconfig(admin, sa, state.info.kube.caFile);
    const controller = spawn(process.execPath, ["src/main.ts", `--kubeconfig=${kubeconfig}`, "--health-bind-address=0", "--metrics-bind-address=0"], { stdio: ["ignore", "inherit", "inherit"] });
    controllers.push(controller);

    const secret = await poll("the Secret", () => admin.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: "default", name: "db" }));
    say("The controller materialized Secret default/db:");
    console.log(`    type: ${secret.type}\n    owner: ${secret.metadata?.ownerReferences?.[0]?.kind}/${secret.metadata?.ownerReferences?.[0]?.name}\n    password: ${Buffer.from(secret.data?.password ?? "", "base64").toString()}`);
  } finally {
    for (const c of controllers) c.kill("SIGTERM");
    await Promise.all(controllers.map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once("exit", r)))));
    say("Stopping the control plane");
    await down(state);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
