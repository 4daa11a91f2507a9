// Daemons started by the testbed: detached process groups whose output goes to a log file, so they
// outlive `hack/testbed up` and `down` can stop exactly them (by process group) later.
import { spawn, type SpawnOptions } from "node:child_process";
import { openSync, closeSync, readFileSync, existsSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

export interface DaemonSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface DaemonRecord {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
}

export class ComponentError extends Error {
  readonly component: string;
  readonly logTail: string;

  constructor(component: string, message: string, logTail = "") {
    super(`${component}: ${message}${logTail ? `\n--- last lines of the ${component} log ---\n${logTail}` : ""}`);
    this.name = "ComponentError";
    this.component = component;
    this.logTail = logTail;
  }
}

export function startDaemon(spec: DaemonSpec): DaemonRecord {
  const fd = openSync(spec.logFile, "a");
  const options: SpawnOptions = {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ["ignore", fd, fd],
  };
  const child = spawn(spec.command, [...spec.args], options);
  closeSync(fd);
  if (child.pid === undefined) throw new ComponentError(spec.name, `could not start ${spec.command}`, tail(spec.logFile));
  child.unref();
  return { name: spec.name, pid: child.pid, logFile: spec.logFile };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a daemon's whole process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopDaemon(record: DaemonRecord, graceMs = 5000): Promise<void> {
  if (!signalGroup(record.pid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(record.pid)) return;
    await delay(50);
  }
  signalGroup(record.pid, "SIGKILL");
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Polls `probe` until it returns true. Fails with the component's log tail when the daemon exits or
 * the deadline passes. Polling is how readiness is awaited: there is no event to wait for.
 */
export async function waitReady(
  daemon: DaemonRecord,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(daemon.pid)) throw new ComponentError(daemon.name, "exited before it became ready", tail(daemon.logFile));
    if (await probe().catch(() => false)) return;
    await delay(100);
  }
  throw new ComponentError(daemon.name, `not ready after ${timeoutMs / 1000}s`, tail(daemon.logFile));
}

/** Runs a command to completion; throws with its output on a non-zero exit. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; label?: string } = {}): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", (err) => reject(new ComponentError(options.label ?? command, err.message)));
    child.on("close", (code) => {
      if (code === 0) resolveRun(out);
      else reject(new ComponentError(options.label ?? command, `${command} ${args.join(" ")} exited with ${code}`, out.trimEnd().split("\n").slice(-30).join("\n")));
    });
  });
}
