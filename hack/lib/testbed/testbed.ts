// Orchestrates the testbed: build every component (cached), start them in a fresh temp dir, record
// what was started in a state file, and stop exactly that later. Used by `hack/testbed` and by the
// vitest global setup, so tests run on the same recipe a developer runs by hand.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Component } from "./component.ts";
import { testbedPaths, defaultRunRoot } from "./paths.ts";
import { isAlive, stopDaemon, type DaemonRecord } from "./process.ts";
import { kube, type KubeInfo } from "./components/kube.ts";
import { COMPONENTS_EXTRA, type ExtraInfo } from "./components/index.ts";

export type TestbedInfo = { readonly dir: string; readonly kube: KubeInfo } & Partial<ExtraInfo>;

export interface TestbedState {
  readonly dir: string;
  readonly daemons: DaemonRecord[];
  readonly info: TestbedInfo;
}

type AnyComponent = Component<unknown>;

/** All components in start order; `only` (e.g. from TESTBED_COMPONENTS) selects a subset for development. */
export function selectComponents(only?: string): AnyComponent[] {
  const all: AnyComponent[] = [kube, ...COMPONENTS_EXTRA];
  if (only === undefined || only.trim() === "") return all;
  const wanted = new Set(only.split(",").map((s) => s.trim()));
  const unknown = [...wanted].filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`unknown testbed component(s): ${unknown.join(", ")}; known: ${all.map((c) => c.name).join(", ")}`);
  return all.filter((c) => wanted.has(c.name));
}

export interface UpOptions {
  readonly components: AnyComponent[];
  readonly log: (message: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export async function buildAll(options: UpOptions): Promise<void> {
  const { cache } = testbedPaths(options.env);
  mkdirSync(cache, { recursive: true });
  // Builds run one at a time: each one already uses both cores.
  for (const component of options.components) await component.build({ cache, log: options.log });
}

/** Builds what is missing, then starts every component. On any failure stops what it started. */
export async function up(options: UpOptions): Promise<TestbedState> {
  await buildAll(options);
  const { cache, repo } = testbedPaths(options.env);
  const dir = mkdtempSync(join(defaultRunRoot(), "envelope-testbed-"));
  const daemons: DaemonRecord[] = [];
  const info: Record<string, unknown> = { dir };
  try {
    for (const component of options.components) {
      const componentDir = join(dir, component.name);
      mkdirSync(componentDir, { recursive: true });
      const started = Date.now();
      info[component.name] = await component.start({ cache, repo, dir: componentDir, log: options.log, track: (d) => daemons.push(d) });
      options.log(`${component.name} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
  } catch (err) {
    await stopAll(daemons);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, daemons, info: info as unknown as TestbedInfo };
}

export async function down(state: TestbedState): Promise<void> {
  await stopAll(state.daemons);
  // Processes restarted by tests (e.g. the apiserver in recovery tests) are not in the state file;
  // every testbed process names the run's unique temp dir on its command line.
  for (const pid of processesUnder(state.dir)) await stopDaemon({ name: "restarted", pid, logFile: "" });
  rmSync(state.dir, { recursive: true, force: true });
}

/** Pids whose command line mentions `dir` (Linux /proc). */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dir)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function stopAll(daemons: readonly DaemonRecord[]): Promise<void> {
  // Reverse start order: the apiserver before etcd, so it does not log a storm of etcd errors.
  for (const d of [...daemons].reverse()) await stopDaemon(d);
}

export function envExports(state: TestbedState, components: AnyComponent[]): Record<string, string> {
  const exports: Record<string, string> = { ENVELOPE_TESTBED_DIR: state.dir };
  const info = state.info as unknown as Record<string, unknown>;
  for (const c of components) {
    if (info[c.name] !== undefined) Object.assign(exports, c.env(info[c.name]));
  }
  return exports;
}

export function readState(file: string): TestbedState | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as TestbedState;
}

export function writeState(file: string, state: TestbedState): void {
  writeFileSync(file, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
}

export function isRunning(state: TestbedState): boolean {
  return state.daemons.some((d) => isAlive(d.pid));
}
