// `hack/testbed build|up|down|env|status`: the developer's handle on the real test environment.
// State of the running testbed lives in .testbed/state.json (git-ignored) so `down` stops exactly
// what `up` started and a second `up` is refused while one runs.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { testbedPaths } from "./paths.ts";
import { buildAll, down, envExports, isRunning, readState, selectComponents, up, writeState } from "./testbed.ts";
import { ComponentError } from "./process.ts";
import { ensureHelm } from "../../tools/helm.ts";

const log = (message: string): void => console.error(`[testbed] ${message}`);

function stateFile(repo: string): string {
  return join(repo, ".testbed", "state.json");
}

async function main(command: string | undefined): Promise<number> {
  const { repo } = testbedPaths(process.env);
  const file = stateFile(repo);
  const components = selectComponents(process.env.TESTBED_COMPONENTS);
  switch (command) {
    case "build":
      await buildAll({ components, log, env: process.env });
      // helm is not a running component, but chart tests and `helm install` into the testbed need it.
      log(`helm: ${await ensureHelm(log)}`);
      return 0;
    case "up":
      return cmdUp(file, components);
    case "down":
      return cmdDown(file);
    case "env":
      return cmdEnv(file, components);
    case "status":
      return cmdStatus(file);
    default:
      console.error("usage: hack/testbed build|up|down|env|status\n  TESTBED_COMPONENTS=kube,aws,azure,pkcs11 selects components (default: all)");
      return command === undefined || command === "--help" || command === "-h" ? 0 : 2;
  }
}

async function cmdUp(file: string, components: ReturnType<typeof selectComponents>): Promise<number> {
  const existing = readState(file);
  if (existing !== undefined && isRunning(existing)) {
    console.error(`a testbed is already running in ${existing.dir} (state: ${file}); run \`hack/testbed down\` first`);
    return 1;
  }
  if (existing !== undefined) await down(existing); // stale state from a crashed run: clean it up
  mkdirSync(join(file, ".."), { recursive: true });
  const started = Date.now();
  const state = await up({ components, log, env: process.env });
  writeState(file, state);
  log(`up in ${((Date.now() - started) / 1000).toFixed(1)}s; run: eval "$(hack/testbed env)"`);
  return 0;
}

async function cmdDown(file: string): Promise<number> {
  const state = readState(file);
  if (state === undefined) {
    log("no testbed is running");
    return 0;
  }
  await down(state);
  rmSync(file, { force: true });
  log(`stopped ${state.daemons.length} processes and removed ${state.dir}`);
  return 0;
}

function cmdEnv(file: string, components: ReturnType<typeof selectComponents>): number {
  const state = readState(file);
  if (state === undefined || !isRunning(state)) {
    console.error("no testbed is running; run `hack/testbed up` first");
    return 1;
  }
  for (const [k, v] of Object.entries(envExports(state, components))) console.log(`export ${k}=${shellQuote(v)}`);
  return 0;
}

function cmdStatus(file: string): number {
  const state = readState(file);
  if (state === undefined) {
    console.log("not running");
    return 1;
  }
  console.log(`${isRunning(state) ? "running" : "stale"}: ${state.dir}`);
  return isRunning(state) ? 0 : 1;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ComponentError) console.error(`[testbed] failed: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
