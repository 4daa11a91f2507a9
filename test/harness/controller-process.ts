// Runs the controller as a separate OS process (node src/main.ts), the way it runs in a Pod:
// own kubeconfig (a ServiceAccount token), own health/metrics ports, logs captured for assertions.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../../hack/lib/testbed/ports.ts";
import { eventually } from "./kube.ts";

const REPO = join(import.meta.dirname, "..", "..");

export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly healthUrl: string;
  readonly metricsUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, no cleanup. */
  kill(): Promise<void>;
  exited(): Promise<number | null>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function startController(kubeconfig: string, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ControllerProcess> {
  const [health, metrics] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [
    join(REPO, "src", "main.ts"),
    `--kubeconfig=${kubeconfig}`,
    `--health-bind-address=127.0.0.1:${health}`,
    `--metrics-bind-address=127.0.0.1:${metrics}`,
    "--log-level=debug",
    ...extraArgs,
  ], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const proc: ControllerProcess = {
    child,
    healthUrl: `http://127.0.0.1:${health}`,
    metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    output: () => out,
    exited: () => exit,
    stop: async () => {
      child.kill("SIGTERM");
      return exit;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exit;
    },
    metric: async (name, labels = {}) => metricValue(await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text(), name, labels),
  };
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}:\n${out}`);
    const res = await fetch(`${proc.healthUrl}/readyz`).catch(() => undefined);
    return res?.ok === true ? true : undefined;
  }, "the controller to become ready", 60_000).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n--- controller output ---\n${out}`);
  });
  return proc;
}

/** Sum of the samples of metric `name` whose labels include `labels` (Prometheus text format). */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (match?.[1] !== name) continue;
    const got = new Map([...(match[3] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m): [string, string] => [m[1] ?? "", m[2] ?? ""]));
    if (Object.entries(labels).every(([k, v]) => got.get(k) === v)) sum += Number(match[4]);
  }
  return sum;
}
