// Key rotation in the reconciler: rewrap to the requested KEK version without touching the data or
// the Secret, kept in status so GitOps re-applying the old manifest does not undo or repeat it.
import { describe, expect, it } from "vitest";
import pino from "pino";
import { seal } from "../envelope/index.ts";
import type { EncryptedSecret } from "../api/v1alpha1/types.ts";
import type { KeyProvider } from "../api/v1alpha1/key-provider.ts";
import { createMetrics } from "../observability/metrics.ts";
import { DekCache } from "./dek-cache.ts";
import { CachingProviderResolver } from "./providers.ts";
import { Reconciler } from "./reconciler.ts";
import { StatusReporter } from "./reporter.ts";
import { MemoryBackend } from "../../test/fakes/memory-backend.ts";
import { MemoryCluster } from "../../test/fakes/memory-cluster.ts";
import { FakeClock } from "../../test/fakes/fake-clock.ts";

const provider: KeyProvider = { apiVersion: "envelope.dev/v1alpha1", kind: "KeyProvider", metadata: { name: "mem", uid: "p", generation: 1 }, spec: { local: { secretRef: { namespace: "x", name: "y" } } } };

async function setup(versions = ["1", "2"]) {
  const backend = new MemoryBackend(versions);
  const cluster = new MemoryCluster();
  const clock = new FakeClock();
  const metrics = createMetrics(undefined, false);
  const log = pino({ level: "silent" });
  const reconciler = (): Reconciler => new Reconciler({
    encryptedSecrets: cluster.source(),
    secrets: cluster.secretAccess(),
    namespaces: cluster,
    providers: new CachingProviderResolver({ get: (n) => (n === "mem" ? provider : undefined) }, async () => backend, { clock, intervalMs: 60_000 }),
    dekCache: new DekCache(100, 60_000, clock),
    reporter: new StatusReporter(cluster, cluster, clock, metrics, log),
    metrics,
    log,
  });
  const spec = await seal(backend, { key: "k", version: "1" }, { scope: "strict", namespace: "app", name: "db", template: { type: "Opaque" }, data: { password: Buffer.from("rotation-value") } });
  const es: EncryptedSecret = { apiVersion: "envelope.dev/v1alpha1", kind: "EncryptedSecret", metadata: { name: "db", namespace: "app", uid: "u", generation: 1 }, spec: { keyRef: { provider: "mem", key: "k", version: "1" }, ...spec } };
  cluster.putEncryptedSecret(es);
  const r = reconciler();
  await r.reconcile("app", "db");
  return { backend, cluster, clock, es, r, reconciler, stored: () => cluster.encryptedSecrets.get("app/db")! };
}

const ready = (es: EncryptedSecret) => es.status?.conditions?.find((c) => c.type === "Ready");
const value = (t: Awaited<ReturnType<typeof setup>>) => Buffer.from(t.cluster.secrets.get("app/db")!.data!.password!, "base64").toString();

describe("rotation", () => {
  it("rewraps once on a version bump, without touching the data or the Secret, and keeps the result in status", async () => {
    const t = await setup();
    const secretBefore = structuredClone(t.cluster.secrets.get("app/db"));
    const dataBefore = structuredClone(t.es.spec.encryptedData);
    t.es.spec.keyRef.version = "2";
    t.es.metadata.generation = 2;
    await t.r.reconcile("app", "db");
    const status = t.stored().status!;
    expect(status.keyVersion).toBe("2");
    expect(status.envelope).toMatchObject({ keyVersion: "2", commitment: t.es.spec.envelope.commitment });
    expect(ready(t.stored())).toMatchObject({ status: "True", reason: "RewrapPending" });
    expect(t.cluster.secrets.get("app/db")).toEqual(secretBefore);
    expect(t.es.spec.encryptedData).toEqual(dataBefore);
    expect(t.cluster.writes.apply).toBe(1);
    const wraps = t.backend.calls.wrap;
    // A GitOps tool re-applying the same manifest, again and again: no further rewrap.
    for (let i = 0; i < 5; i++) await t.r.reconcile("app", "db");
    expect(t.backend.calls.wrap).toBe(wraps);
  });

  it("keeps working from the rewrapped envelope after the old version is disabled and the DEK cache is cold", async () => {
    const t = await setup();
    t.es.spec.keyRef.version = "2";
    await t.r.reconcile("app", "db");
    t.backend.removeVersion("1");
    t.cluster.secrets.delete("app/db");
    await t.reconciler().reconcile("app", "db");
    expect(value(t)).toBe("rotation-value");
  });

  it("follows latest when the backend gets a new version, after the poll interval", async () => {
    const t = await setup();
    t.es.spec.keyRef.version = "latest";
    await t.r.reconcile("app", "db");
    expect(t.stored().status?.keyVersion).toBe("2");
    t.backend.addVersion("3");
    await t.r.reconcile("app", "db");
    expect(t.stored().status?.keyVersion).toBe("2");
    t.clock.advance(60_000);
    await t.r.reconcile("app", "db");
    expect(t.stored().status?.keyVersion).toBe("3");
  });

  it("drops the status envelope once git carries the rewrapped one (envelope pull)", async () => {
    const t = await setup();
    t.es.spec.keyRef.version = "2";
    await t.r.reconcile("app", "db");
    const { replaces: _replaces, ...pulled } = t.stored().status!.envelope!;
    t.es.spec.envelope = pulled;
    t.es.metadata.generation = 3;
    const wraps = t.backend.calls.wrap;
    await t.r.reconcile("app", "db");
    expect(t.stored().status?.envelope).toBeUndefined();
    expect(ready(t.stored())).toMatchObject({ reason: "Synced", observedGeneration: 3 });
    expect(t.backend.calls.wrap).toBe(wraps);
    expect(t.cluster.writes.apply).toBe(1);
  });

  it("is crash-safe: if storing the rewrapped envelope fails, the object still decrypts from spec and the rewrap completes later", async () => {
    const t = await setup();
    t.es.spec.keyRef.version = "2";
    const patch = t.cluster.patchStatus.bind(t.cluster);
    t.cluster.patchStatus = async () => {
      throw new Error("controller died before the status write");
    };
    await expect(t.r.reconcile("app", "db")).rejects.toThrow(/died/);
    expect(t.stored().status?.envelope).toBeUndefined();
    // Restart: a new reconciler with a cold DEK cache; the Secret is gone too, to prove spec still decrypts.
    t.cluster.patchStatus = patch;
    t.cluster.secrets.delete("app/db");
    await t.reconciler().reconcile("app", "db");
    expect(value(t)).toBe("rotation-value");
    expect(t.stored().status?.envelope?.keyVersion).toBe("2");
  });

  it("refuses a version that does not exist with a clear reason, and keeps the Secret and envelope", async () => {
    const t = await setup();
    t.es.spec.keyRef.version = "9";
    await expect(t.r.reconcile("app", "db")).resolves.toEqual({ kind: "terminal" });
    expect(ready(t.stored())).toMatchObject({ status: "False", reason: "KeyVersionNotFound" });
    expect(t.stored().status?.envelope).toBeUndefined();
    expect(value(t)).toBe("rotation-value");
  });
});
