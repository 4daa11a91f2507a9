// The controller's configuration: parsed once from flags (and the Pod's downward-API env) at the
// composition root, validated, and passed down. Every problem is reported at once.
import { parseArgs } from "node:util";
import { hostname } from "node:os";

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface ControllerConfig {
  readonly kubeconfig: string | undefined;
  readonly inCluster: boolean;
  readonly metrics: Address | undefined;
  readonly health: Address | undefined;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace: string;
  readonly leaderElectionId: string;
  readonly identity: string;
  readonly concurrency: number;
  readonly dekCacheSize: number;
  readonly dekCacheTtlMs: number;
  readonly resyncPeriodMs: number;
  readonly versionPollIntervalMs: number;
  readonly watchNamespaces: readonly string[];
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export const CONTROLLER_USAGE = `Usage: envelope-operator [flags]

Flags:
  --kubeconfig PATH                 kubeconfig file (default: in-cluster, else KUBECONFIG/~/.kube/config)
  --metrics-bind-address HOST:PORT  Prometheus /metrics (default 127.0.0.1:8080; "0" disables)
  --health-bind-address HOST:PORT   /healthz and /readyz (default 127.0.0.1:8081; "0" disables)
  --leader-elect                    use a Lease so only one replica reconciles (default false)
  --leader-election-namespace NS    namespace of the Lease (default: $POD_NAMESPACE)
  --leader-election-id NAME         name of the Lease (default envelope-operator)
  --concurrency N                   parallel reconciles (default 4)
  --dek-cache-size N                unwrapped data keys kept in memory (default 10000; 0 disables)
  --dek-cache-ttl DURATION          how long one is kept (default 1h; e.g. 30s, 10m, 2h)
  --resync-period DURATION          re-check every object this often (default 10m)
  --version-poll-interval DURATION  how long a resolved "latest" KEK version is trusted (default 5m)
  --watch-namespaces NS,NS          only these namespaces (default: all)
  --log-level LEVEL                 trace|debug|info|warn|error (default info)
  --shutdown-timeout DURATION       how long SIGTERM waits for in-flight reconciles (default 30s)
  -h, --help                        this help
`;

const OPTIONS = {
  kubeconfig: { type: "string" },
  "metrics-bind-address": { type: "string", default: "127.0.0.1:8080" },
  "health-bind-address": { type: "string", default: "127.0.0.1:8081" },
  "leader-elect": { type: "boolean", default: false },
  "leader-election-namespace": { type: "string" },
  "leader-election-id": { type: "string", default: "envelope-operator" },
  concurrency: { type: "string", default: "4" },
  "dek-cache-size": { type: "string", default: "10000" },
  "dek-cache-ttl": { type: "string", default: "1h" },
  "resync-period": { type: "string", default: "10m" },
  "version-poll-interval": { type: "string", default: "5m" },
  "watch-namespaces": { type: "string", default: "" },
  "log-level": { type: "string", default: "info" },
  "shutdown-timeout": { type: "string", default: "30s" },
  help: { type: "boolean", short: "h", default: false },
} as const;

export type ParsedArgs = { readonly help: true } | { readonly help: false; readonly config: ControllerConfig };

export function parseControllerArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedArgs {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return { help: true };
  const problems: string[] = [];
  const config: ControllerConfig = {
    kubeconfig: values.kubeconfig,
    inCluster: env.KUBERNETES_SERVICE_HOST !== undefined,
    metrics: address("--metrics-bind-address", values["metrics-bind-address"], problems),
    health: address("--health-bind-address", values["health-bind-address"], problems),
    leaderElect: values["leader-elect"],
    leaderElectionNamespace: values["leader-election-namespace"] ?? env.POD_NAMESPACE ?? "",
    leaderElectionId: values["leader-election-id"],
    identity: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    concurrency: positiveInt("--concurrency", values.concurrency, problems, 1),
    dekCacheSize: positiveInt("--dek-cache-size", values["dek-cache-size"], problems, 0),
    dekCacheTtlMs: duration("--dek-cache-ttl", values["dek-cache-ttl"], problems),
    resyncPeriodMs: duration("--resync-period", values["resync-period"], problems),
    versionPollIntervalMs: duration("--version-poll-interval", values["version-poll-interval"], problems),
    watchNamespaces: values["watch-namespaces"].split(",").map((s) => s.trim()).filter((s) => s !== ""),
    logLevel: level(values["log-level"], problems),
    shutdownTimeoutMs: duration("--shutdown-timeout", values["shutdown-timeout"], problems),
  };
  if (config.leaderElect && config.leaderElectionNamespace === "") problems.push("--leader-elect needs --leader-election-namespace or $POD_NAMESPACE");
  if (problems.length > 0) throw new ConfigError(problems);
  return { help: false, config };
}

function address(flag: string, value: string, problems: string[]): Address | undefined {
  if (value === "0") return undefined;
  const match = /^(.*):(\d+)$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    problems.push(`${flag}: "${value}" is not HOST:PORT (or "0" to disable)`);
    return undefined;
  }
  const host = match[1] === "" ? "0.0.0.0" : (match[1] ?? "");
  return { host: host.replace(/^\[(.*)\]$/, "$1"), port };
}

function positiveInt(flag: string, value: string, problems: string[], min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) problems.push(`${flag}: "${value}" is not an integer >= ${min}`);
  return n;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function duration(flag: string, value: string, problems: string[]): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (match === null) {
    problems.push(`${flag}: "${value}" is not a duration like 500ms, 30s, 10m or 1h`);
    return 0;
  }
  return Number(match[1]) * (UNITS[match[2] ?? "s"] ?? 1000);
}

function level(value: string, problems: string[]): string {
  if (!["trace", "debug", "info", "warn", "error", "fatal", "silent"].includes(value)) problems.push(`--log-level: "${value}" is not one of trace, debug, info, warn, error`);
  return value;
}
