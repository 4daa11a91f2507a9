// Vitest global setup for the integration project: starts the real testbed once per run with the
// same code as `hack/testbed up`, hands its connection info to the tests through `inject("testbed")`,
// and stops exactly what it started afterwards.
// ENVELOPE_TESTBED=reuse uses a testbed already started with `hack/testbed up` (faster iteration).
import type { TestProject } from "vitest/node";
import { join } from "node:path";
import { testbedPaths } from "../../hack/lib/testbed/paths.ts";
import { down, isRunning, readState, selectComponents, up, type TestbedInfo } from "../../hack/lib/testbed/testbed.ts";

declare module "vitest" {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (message: string): void => console.error(`[testbed] ${message}`);
  if (process.env.ENVELOPE_TESTBED === "reuse") {
    const state = readState(join(testbedPaths(process.env).repo, ".testbed", "state.json"));
    if (state === undefined || !isRunning(state)) throw new Error("ENVELOPE_TESTBED=reuse but no testbed is running (hack/testbed up)");
    project.provide("testbed", state.info);
    return async () => {};
  }
  const started = Date.now();
  const state = await up({ components: selectComponents(process.env.TESTBED_COMPONENTS), log, env: process.env });
  log(`testbed up in ${((Date.now() - started) / 1000).toFixed(1)}s at ${state.dir}`);
  project.provide("testbed", state.info);
  return async () => {
    await down(state);
  };
}
