// Real Kubernetes control plane: etcd, kube-apiserver (RBAC, TokenRequest, client-cert admin) and
// kube-controller-manager (garbage collector and namespace controllers, so ownerReference GC and
// namespace deletion are real). Built from the Go module proxy with hack/k8s/go.mod.
import { existsSync, mkdirSync, writeFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:https";
import { readFileSync } from "node:fs";
import type { Component, BuildContext, StartContext } from "../component.ts";
import { createPki, type Pki } from "../pki.ts";
import { freePort } from "../ports.ts";
import { run, startDaemon, waitReady, type DaemonRecord } from "../process.ts";
import { ETCD_VERSION, KUBERNETES_VERSION } from "../versions.ts";

export interface KubeInfo {
  /** Admin kubeconfig (client certificate in system:masters). */
  readonly kubeconfig: string;
  readonly server: string;
  readonly version: string;
  readonly caFile: string;
  readonly adminCertFile: string;
  readonly adminKeyFile: string;
  /** How to restart the apiserver with the same flags (tests of controller recovery). */
  readonly apiserver: { readonly command: string; readonly args: readonly string[]; readonly logFile: string };
  readonly binDir: string;
}

const BINARIES = ["kube-apiserver", "kube-controller-manager", "etcd"] as const;

export function kubeBinDir(cache: string): string {
  return join(cache, `kubernetes-v${KUBERNETES_VERSION}-etcd-v${ETCD_VERSION}`);
}

async function build(ctx: BuildContext): Promise<void> {
  const bin = kubeBinDir(ctx.cache);
  if (BINARIES.every((b) => existsSync(join(bin, b)))) return;
  const repo = join(import.meta.dirname, "..", "..", "..", "..");
  const staging = `${bin}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  ctx.log(`building kube-apiserver, kube-controller-manager v${KUBERNETES_VERSION} and etcd v${ETCD_VERSION} from the Go module proxy (cold: ~10-20 min on 2 cores)`);
  const started = Date.now();
  await run("go", ["build", "-trimpath", "-ldflags", versionLdflags(), "-o", staging + "/", "k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager", "go.etcd.io/etcd/server/v3"], {
    cwd: join(repo, "hack", "k8s"),
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
    label: "kubernetes build",
  });
  // go names the etcd main package's binary after its module path element "server".
  renameSync(join(staging, "server"), join(staging, "etcd"));
  rmSync(bin, { recursive: true, force: true });
  renameSync(staging, bin);
  ctx.log(`built Kubernetes binaries in ${Math.round((Date.now() - started) / 1000)}s into ${bin}`);
}

function versionLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.split(".");
  const vars: string[] = [];
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    vars.push(`-X ${pkg}.gitVersion=v${KUBERNETES_VERSION}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`, `-X ${pkg}.gitTreeState=clean`);
  }
  return ["-s", "-w", ...vars].join(" ");
}

async function start(ctx: StartContext): Promise<KubeInfo> {
  const bin = kubeBinDir(ctx.cache);
  const pki = await createPki(ctx.dir);
  const etcdUrl = await startEtcd(ctx, bin);
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const apiserver = { command: join(bin, "kube-apiserver"), args: apiserverArgs(pki, etcdUrl, port), logFile: join(ctx.dir, "kube-apiserver.log") };
  const api = startDaemon({ name: "kube-apiserver", ...apiserver });
  ctx.track(api);
  await waitReady(api, () => httpsOk(server + "/readyz", pki), 120_000);
  const kubeconfig = join(ctx.dir, "admin.kubeconfig");
  writeFileSync(kubeconfig, adminKubeconfig(server, pki), { mode: 0o600 });
  await startControllerManager(ctx, bin, kubeconfig, pki);
  return {
    kubeconfig,
    server,
    version: `v${KUBERNETES_VERSION}`,
    caFile: pki.caCert,
    adminCertFile: pki.adminCert,
    adminKeyFile: pki.adminKey,
    apiserver,
    binDir: bin,
  };
}

async function startEtcd(ctx: StartContext, bin: string): Promise<string> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = startDaemon({
    name: "etcd",
    command: join(bin, "etcd"),
    args: [
      "--data-dir", join(ctx.dir, "etcd-data"),
      "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
      "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
      "--initial-cluster", `default=${peerUrl}`,
      "--unsafe-no-fsync", "--log-level", "warn",
    ],
    logFile: join(ctx.dir, "etcd.log"),
  });
  ctx.track(etcd);
  await waitReady(etcd, async () => (await fetch(`${clientUrl}/health`)).ok);
  return clientUrl;
}

function apiserverArgs(pki: Pki, etcdUrl: string, port: number): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    "--advertise-address=127.0.0.1",
    "--endpoint-reconciler-type=none",
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    "--authorization-mode=RBAC",
    `--service-account-issuer=https://127.0.0.1:${port}`,
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    "--service-cluster-ip-range=10.0.0.0/24",
    "--disable-admission-plugins=ServiceAccount",
    "--allow-privileged=false",
  ];
}

async function startControllerManager(ctx: StartContext, bin: string, kubeconfig: string, pki: Pki): Promise<void> {
  const port = await freePort();
  const kcm: DaemonRecord = startDaemon({
    name: "kube-controller-manager",
    command: join(bin, "kube-controller-manager"),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--controllers=garbagecollector,namespace",
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      "--concurrent-gc-syncs=5",
    ],
    logFile: join(ctx.dir, "kube-controller-manager.log"),
  });
  ctx.track(kcm);
  await waitReady(kcm, () => httpsOk(`https://127.0.0.1:${port}/healthz`, pki, false), 120_000);
}

/** GET with the admin client certificate; true on HTTP 200. */
function httpsOk(url: string, pki: Pki, verify = true): Promise<boolean> {
  return new Promise((resolveOk) => {
    const req = request(url, {
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.adminCert),
      key: readFileSync(pki.adminKey),
      rejectUnauthorized: verify,
      timeout: 5000,
    }, (res) => {
      res.resume();
      resolveOk(res.statusCode === 200);
    });
    req.on("error", () => resolveOk(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function adminKubeconfig(server: string, pki: Pki): string {
  const b64 = (f: string): string => readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: testbed",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.caCert)}`,
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate-data: ${b64(pki.adminCert)}`,
    `    client-key-data: ${b64(pki.adminKey)}`,
    "contexts:",
    "- name: testbed-admin",
    "  context:",
    "    cluster: testbed",
    "    user: admin",
    "    namespace: default",
    "current-context: testbed-admin",
    "",
  ].join("\n");
}

export const kube: Component<KubeInfo> = {
  name: "kube",
  build,
  start,
  env: (info) => ({ KUBECONFIG: info.kubeconfig }),
};
