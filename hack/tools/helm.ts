// Helm v3, built from the Go module proxy (no release download needed) into the testbed cache, keyed
// by HELM_VERSION, once. Also the two chart operations tests need: `helm template` (stdout only, so
// warnings on stderr never corrupt the YAML) and `helm install` into the testbed's apiserver.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { testbedPaths } from "../lib/testbed/paths.ts";
import { run } from "../lib/testbed/process.ts";
import { HELM_VERSION, KUBERNETES_VERSION } from "../lib/testbed/versions.ts";

const MODULE = "helm.sh/helm/v3";

/** Repository path of the chart. */
export const CHART_DIR = join(testbedPaths(process.env).repo, "charts", "envelope-operator");

/** Kubernetes version passed to `helm template`/`helm lint` (the testbed's), since no cluster is asked. */
export const KUBE_VERSION = KUBERNETES_VERSION;

export function helmBinDir(cache: string): string {
  return join(cache, `helm-v${HELM_VERSION}`);
}

let pending: Promise<string> | undefined;

/**
 * Path of the helm binary, building it on first use (`go install helm.sh/helm/v3/cmd/helm@vX` with
 * the release Makefile's version ldflags, so `helm version` reports vX rather than "v3.21").
 * Concurrent callers in one process share one build; concurrent processes each build into their own
 * staging directory and the first rename wins.
 */
export function ensureHelm(log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<string> {
  pending ??= build(log).catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function build(log: (message: string) => void): Promise<string> {
  const bin = helmBinDir(testbedPaths(process.env).cache);
  const helm = join(bin, "helm");
  if (existsSync(helm)) return helm;
  const staging = `${bin}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`building helm v${HELM_VERSION} from the Go module proxy (cold: a few minutes on 2 cores)`);
  const started = Date.now();
  try {
    const ldflags = await versionLdflags();
    await run("go", ["install", "-trimpath", "-ldflags", ldflags, `${MODULE}/cmd/helm@v${HELM_VERSION}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: "0" },
      label: "helm build",
    });
    publish(staging, bin);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`built helm v${HELM_VERSION} in ${Math.round((Date.now() - started) / 1000)}s into ${bin}`);
  return helm;
}

function publish(staging: string, bin: string): void {
  try {
    renameSync(staging, bin);
  } catch (err) {
    // Another process finished first: its binary is the same build.
    if (!existsSync(join(bin, "helm"))) throw err;
  }
}

/**
 * The ldflags of Helm's Makefile: the release version, and the default Kubernetes version of
 * `helm template`/`helm lint` derived, as upstream does, from the k8s.io/client-go it is built with.
 */
async function versionLdflags(): Promise<string> {
  const info = JSON.parse(await run("go", ["mod", "download", "-json", `${MODULE}@v${HELM_VERSION}`], { label: "helm build" })) as { GoMod: string };
  const clientGo = /^\s*k8s\.io\/client-go v0\.(\d+)\.\d+/m.exec(readFileSync(info.GoMod, "utf8"));
  const vars = [
    `-X ${MODULE}/internal/version.version=v${HELM_VERSION}`,
    `-X ${MODULE}/internal/version.gitTreeState=clean`,
  ];
  if (clientGo?.[1] !== undefined) {
    for (const pkg of ["pkg/lint/rules", "pkg/chartutil"]) {
      vars.push(`-X ${MODULE}/${pkg}.k8sVersionMajor=1`, `-X ${MODULE}/${pkg}.k8sVersionMinor=${clientGo[1]}`);
    }
  }
  return ["-s", "-w", ...vars].join(" ");
}

export interface HelmResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class HelmError extends Error {
  readonly stderr: string;
  readonly exitCode: number | null;

  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    super(`helm ${args.join(" ")} exited with ${exitCode}: ${stderr.trim()}`);
    this.name = "HelmError";
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

/** Runs helm with stdout and stderr kept apart; throws HelmError on a non-zero exit. */
export async function helm(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<HelmResult> {
  const binary = await ensureHelm();
  return new Promise((resolveHelm, reject) => {
    execFile(binary, [...args], { env: options.env ?? helmEnv(), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new HelmError(args, typeof err.code === "number" ? err.code : null, stderr));
      else resolveHelm({ stdout, stderr });
    });
  });
}

/** `helm template` of the chart with the testbed's Kubernetes version; returns the rendered YAML. */
export async function helmTemplate(release: string, namespace: string, extraArgs: readonly string[] = []): Promise<string> {
  const result = await helm(["template", release, CHART_DIR, "-n", namespace, "--kube-version", KUBE_VERSION, ...extraArgs]);
  return result.stdout;
}

/**
 * `helm install` of the chart into a real apiserver. Deliberately without --wait: the testbed has no
 * kubelet or scheduler, so the Deployment never gets Pods and --wait would hang. Returns helm's output.
 */
export async function helmInstall(kubeconfig: string, namespace: string, release: string, values: Record<string, unknown> = {}): Promise<string> {
  const binary = await ensureHelm();
  const dir = mkdtempSync(join(tmpdir(), "envelope-helm-"));
  try {
    const valuesFile = join(dir, "values.yaml");
    writeFileSync(valuesFile, stringify(values), { mode: 0o600 });
    return await run(binary, ["install", release, CHART_DIR, "--kubeconfig", kubeconfig, "-n", namespace, "--create-namespace", "-f", valuesFile], {
      env: helmEnv(dir),
      label: "helm install",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Keeps helm away from the user's own configuration, cache and repositories: everything it would
 * write goes to a throwaway directory.
 */
function helmEnv(home = join(tmpdir(), `envelope-helm-home-${process.pid}`)): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
  };
}
