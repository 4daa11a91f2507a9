// The CRDs' OpenAPI and CEL validation on the real apiserver: every sample in
// test/unit/fixtures/crd-samples/valid is accepted and every one in invalid/ is rejected at
// admission with the message its first line names (server-side dry run: nothing is stored).
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { GROUP, VERSION } from "../../src/api/v1alpha1/constants.ts";
import { adminKubeConfig } from "../harness/kube.ts";
import { installCrds } from "../harness/crds.ts";

const SAMPLES = join(import.meta.dirname, "..", "unit", "fixtures", "crd-samples");
/** Server-side dry-run create with strict field validation (as kubectl does by default). */
function dryRunCreate(text: string): Promise<unknown> {
  const obj = parse(text) as { kind: string; metadata: { name: string; namespace?: string } };
  // KeyProviders are cluster-scoped: a unique name keeps a sample from colliding with one another test created.
  if (obj.kind === "KeyProvider") obj.metadata.name = `${obj.metadata.name}-${randomUUID().slice(0, 8)}`;
  const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
  const common = { group: GROUP, version: VERSION, body: obj, dryRun: "All", fieldValidation: "Strict" };
  return obj.kind === "KeyProvider"
    ? custom.createClusterCustomObject({ ...common, plural: "keyproviders" })
    : custom.createNamespacedCustomObject({ ...common, plural: "encryptedsecrets", namespace: obj.metadata.namespace ?? "default" });
}

function statusMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body !== "string") return String(err);
  return (JSON.parse(body) as { message?: string }).message ?? body;
}

const files = (dir: string): string[] => readdirSync(join(SAMPLES, dir)).filter((f) => f.endsWith(".yaml")).sort();

describe("CRD validation at admission", () => {
  beforeAll(installCrds);

  it.each(files("valid"))("accepts valid/%s", async (file) => {
    await expect(dryRunCreate(readFileSync(join(SAMPLES, "valid", file), "utf8"))).resolves.toBeDefined();
  });

  it.each(files("invalid"))("rejects invalid/%s with its expected message", async (file) => {
    const text = readFileSync(join(SAMPLES, "invalid", file), "utf8");
    const expected = /^# expect: (.*)$/m.exec(text)?.[1];
    expect(expected, "sample names its expected message").toBeDefined();
    const err = await dryRunCreate(text).then(() => undefined, (e: unknown) => e);
    expect(err, "rejected").toBeDefined();
    expect(statusMessage(err)).toContain(expected!);
  });
});
