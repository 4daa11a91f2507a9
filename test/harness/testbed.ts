// Access to the testbed from inside a test file, with a clear failure when a component was not started.
import { inject } from "vitest";
import type { TestbedInfo } from "../../hack/lib/testbed/testbed.ts";
import type { ExtraInfo } from "../../hack/lib/testbed/components/index.ts";

export function testbed(): TestbedInfo {
  return inject("testbed");
}

export function requireComponent<K extends keyof ExtraInfo>(name: K): ExtraInfo[K] {
  const part = (testbed() as Partial<ExtraInfo>)[name];
  if (part === undefined) throw new Error(`testbed component "${String(name)}" is not running (TESTBED_COMPONENTS excludes it?)`);
  return part;
}
