// The reconciler's behaviour, on in-memory ports and the real envelope code. The same behaviours are
// exercised on a real kube-apiserver in test/integration/controller.test.ts.
import { beforeEach, describe, expect, it } from "vitest";
import pino from "pino";
import { seal } from "../envelope/index.ts";
import type { EncryptedSecret } from "../api/v1alpha1/types.ts";
import type { KeyProvider } from "../api/v1alpha1/key-provider.ts";
import { ANNOTATION_ADOPT, ANNOTATION_KEEP_SECRET } from "../api/v1alpha1/constants.ts";
import { createMetrics } from "../observability/metrics.ts";
import { DekCache } from "./dek-cache.ts";
import { CachingProviderResolver } from "./providers.ts";
import { Reconciler } from "./reconciler.ts";
import { StatusReporter } from "./reporter.ts";
import { MemoryBackend } from "../../test/fakes/memory-backend.ts";
import { MemoryCluster } from "../../test/fakes/memory-cluster.ts";
import { FakeClock } from "../../test/fakes/fake-clock.ts";

const PLAINTEXT = "unit-test-value-1";

async function sealed(backend: MemoryBackend, namespace = "app", name = "db", template: EncryptedSecret["spec"]["template"] = { type: "Opaque" }): Promise<EncryptedSecret> {
  const spec = await seal(backend, { key: "k", version: "1" }, { scope: "strict", namespace, name, template, data: { password: Buffer.from(PLAINTEXT) } });
  return {
    apiVersion: "envelope.dev/v1alpha1",
    kind: "EncryptedSecret",
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, generation: 1 },
    spec: { keyRef: { provider: "mem", key: "k", version: "1" }, ...spec },
  };
}

function provider(spec: Partial<KeyProvider["spec"]> = {}): KeyProvider {
  return { apiVersion: "envelope.dev/v1alpha1", kind: "KeyProvider", metadata: { name: "mem", uid: "p1", generation: 1 }, spec: { local: { secretRef: { namespace: "x", name: "y" } }, ...spec } };
}

function harness(backend: MemoryBackend, kp: KeyProvider | null = provider()) {
  const cluster = new MemoryCluster();
  const clock = new FakeClock();
  const metrics = createMetrics(undefined, false);
  const log = pino({ level: "silent" });
  const make = (): Reconciler => new Reconciler({
    encryptedSecrets: cluster.source(),
    secrets: cluster.secretAccess(),
    namespaces: cluster,
    providers: new CachingProviderResolver({ get: (n) => (kp !== null && n === kp.metadata.name ? kp : undefined) }, async () => backend, { clock, intervalMs: 60_000 }),
    dekCache: new DekCache(100, 60_000, clock),
    reporter: new StatusReporter(cluster, cluster, clock, metrics, log),
    metrics,
    log,
  });
  return { cluster, make, reconciler: make() };
}

const ready = (es: EncryptedSecret | undefined) => es?.status?.conditions?.find((c) => c.type === "Ready");

describe("Reconciler", () => {
  let backend: MemoryBackend;
  beforeEach(() => {
    backend = new MemoryBackend(["1", "2"]);
  });

  it("materializes the Secret with data, type, labels and an owner reference, and reports Ready", async () => {
    const h = harness(backend);
    const es = await sealed(backend, "app", "db", { type: "kubernetes.io/basic-auth", metadata: { labels: { team: "a" } } });
    h.cluster.putEncryptedSecret(es);
    await expect(h.reconciler.reconcile("app", "db")).resolves.toEqual({ kind: "done" });
    const secret = h.cluster.secrets.get("app/db")!;
    expect(Buffer.from(secret.data!.password!, "base64").toString()).toBe(PLAINTEXT);
    expect(secret.type).toBe("kubernetes.io/basic-auth");
    expect(secret.metadata.labels).toMatchObject({ team: "a", "app.kubernetes.io/managed-by": "envelope-operator" });
    expect(secret.metadata.ownerReferences).toEqual([{ apiVersion: "envelope.dev/v1alpha1", kind: "EncryptedSecret", name: "db", uid: "uid-app-db", controller: true }]);
    const stored = h.cluster.encryptedSecrets.get("app/db");
    expect(ready(stored)).toMatchObject({ status: "True", reason: "Synced", observedGeneration: 1 });
    expect(stored?.status?.keyVersion).toBe("1");
    expect(h.cluster.events.map((e) => e.reason)).toEqual(["Synced"]);
  });

  it("costs no KMS call and no API write when nothing changed, also after a restart with an empty DEK cache", async () => {
    const h = harness(backend);
    h.cluster.putEncryptedSecret(await sealed(backend));
    await h.reconciler.reconcile("app", "db");
    const before = { ...h.cluster.writes, unwrap: backend.calls.unwrap };
    await h.reconciler.reconcile("app", "db");
    await h.make().reconcile("app", "db"); // a new reconciler: cold DEK cache, as after a restart
    expect({ ...h.cluster.writes, unwrap: backend.calls.unwrap }).toEqual(before);
  });

  it.each([
    ["edited by hand", (s: { data?: Record<string, string> }) => (s.data = { password: Buffer.from("tampered").toString("base64") })],
    ["stripped of a key", (s: { data?: Record<string, string> }) => (s.data = {})],
  ])("restores a Secret %s", async (_name, edit) => {
    const h = harness(backend);
    h.cluster.putEncryptedSecret(await sealed(backend));
    await h.reconciler.reconcile("app", "db");
    edit(h.cluster.secrets.get("app/db")!);
    await h.reconciler.reconcile("app", "db");
    expect(Buffer.from(h.cluster.secrets.get("app/db")!.data!.password!, "base64").toString()).toBe(PLAINTEXT);
    expect(h.cluster.writes.apply).toBe(2);
    expect(backend.calls.unwrap).toBe(1); // the DEK came from the cache
  });

  it("recreates a deleted Secret", async () => {
    const h = harness(backend);
    h.cluster.putEncryptedSecret(await sealed(backend));
    await h.reconciler.reconcile("app", "db");
    h.cluster.secrets.delete("app/db");
    await h.reconciler.reconcile("app", "db");
    expect(h.cluster.secrets.has("app/db")).toBe(true);
  });

  it("never overwrites a pre-existing Secret it does not own, until the user opts in", async () => {
    const h = harness(backend);
    const foreign = { apiVersion: "v1" as const, kind: "Secret" as const, metadata: { name: "db", namespace: "app" }, data: { password: "b3JpZ2luYWw=" } };
    h.cluster.secrets.set("app/db", structuredClone(foreign));
    const es = await sealed(backend);
    h.cluster.putEncryptedSecret(es);
    await expect(h.reconciler.reconcile("app", "db")).resolves.toEqual({ kind: "terminal" });
    expect(h.cluster.secrets.get("app/db")).toEqual(foreign);
    expect(ready(h.cluster.encryptedSecrets.get("app/db"))).toMatchObject({ status: "False", reason: "NotOwned" });
    expect(backend.calls.unwrap).toBe(0);
    es.metadata.annotations = { [ANNOTATION_ADOPT]: "true" };
    await h.reconciler.reconcile("app", "db");
    expect(Buffer.from(h.cluster.secrets.get("app/db")!.data!.password!, "base64").toString()).toBe(PLAINTEXT);
  });

  it("refuses an object copied into another namespace before any KMS call, and writes no Secret", async () => {
    const h = harness(backend);
    const es = await sealed(backend, "prod", "db");
    h.cluster.putEncryptedSecret({ ...es, metadata: { ...es.metadata, namespace: "dev" } });
    await expect(h.reconciler.reconcile("dev", "db")).resolves.toEqual({ kind: "terminal" });
    expect(ready(h.cluster.encryptedSecrets.get("dev/db"))).toMatchObject({ reason: "BindingMismatch" });
    expect(backend.calls.unwrap).toBe(0);
    expect(h.cluster.secrets.size).toBe(0);
  });

  it("reports a tampered value as DecryptFailed and keeps the last good Secret", async () => {
    const h = harness(backend);
    const es = await sealed(backend);
    h.cluster.putEncryptedSecret(es);
    await h.reconciler.reconcile("app", "db");
    const good = structuredClone(h.cluster.secrets.get("app/db"));
    const value = Buffer.from(es.spec.encryptedData.password!, "base64");
    value[value.length - 1]! ^= 1;
    es.spec.encryptedData.password = value.toString("base64");
    es.metadata.generation = 2;
    await expect(h.reconciler.reconcile("app", "db")).resolves.toEqual({ kind: "terminal" });
    expect(ready(h.cluster.encryptedSecrets.get("app/db"))).toMatchObject({ status: "False", reason: "DecryptFailed", observedGeneration: 2 });
    expect(h.cluster.secrets.get("app/db")).toEqual(good);
    expect(JSON.stringify(h.cluster.encryptedSecrets.get("app/db")?.status)).not.toContain(PLAINTEXT);
  });

  it("backs off while the provider is unavailable, leaves the Secret alone, emits one Warning, and recovers", async () => {
    const h = harness(backend);
    const es = await sealed(backend);
    h.cluster.putEncryptedSecret(es);
    backend.unavailable = true;
    await expect(h.reconciler.reconcile("app", "db")).resolves.toEqual({ kind: "backoff" });
    await expect(h.reconciler.reconcile("app", "db")).resolves.toEqual({ kind: "backoff" });
    expect(ready(h.cluster.encryptedSecrets.get("app/db"))).toMatchObject({ reason: "ProviderUnavailable" });
    expect(h.cluster.events.map((e) => e.reason)).toEqual(["ProviderUnavailable"]);
    expect(h.cluster.writes.status).toBe(1);
    backend.unavailable = false;
    await expect(h.reconciler.reconcile("app", "db")).resolves.toEqual({ kind: "done" });
    expect(h.cluster.events.map((e) => e.reason)).toEqual(["ProviderUnavailable", "Synced"]);
  });

  it.each<[string, Partial<KeyProvider["spec"]> | undefined, string]>([
    ["a namespace the KeyProvider does not allow", { allowedNamespaces: { matchLabels: { team: "payments" } } }, "NamespaceNotAllowed"],
    ["an envelope below the KeyProvider's minVersion", { minVersion: "2" }, "KeyVersionBelowFloor"],
    ["an unknown KeyProvider", undefined, "UnknownProvider"],
  ])("refuses %s", async (_name, spec, reason) => {
    const h = harness(backend, spec === undefined ? null : provider(spec));
    h.cluster.putEncryptedSecret(await sealed(backend));
    await expect(h.reconciler.reconcile("app", "db")).resolves.toEqual({ kind: "terminal" });
    expect(ready(h.cluster.encryptedSecrets.get("app/db"))).toMatchObject({ status: "False", reason });
    expect(h.cluster.secrets.size).toBe(0);
    expect(backend.calls.unwrap).toBe(0);
  });

  it("reports malformed input as a spec problem, not a crash", async () => {
    const h = harness(backend);
    const es = await sealed(backend);
    es.spec.envelope.commitment = "not base64!";
    h.cluster.putEncryptedSecret(es);
    await expect(h.reconciler.reconcile("app", "db")).resolves.toEqual({ kind: "terminal" });
    expect(ready(h.cluster.encryptedSecrets.get("app/db"))).toMatchObject({ reason: "MalformedEnvelope" });
  });

  it("recreates the Secret when the template changes its type (type is immutable in the API)", async () => {
    const h = harness(backend);
    h.cluster.putEncryptedSecret(await sealed(backend));
    await h.reconciler.reconcile("app", "db");
    h.cluster.putEncryptedSecret(await sealed(backend, "app", "db", { type: "kubernetes.io/basic-auth" }));
    await h.reconciler.reconcile("app", "db");
    expect(h.cluster.writes.delete).toBe(1);
    expect(h.cluster.secrets.get("app/db")?.type).toBe("kubernetes.io/basic-auth");
  });

  it("writes no ownerReference when the EncryptedSecret asks to keep its Secret, and still manages it", async () => {
    const h = harness(backend);
    const es = await sealed(backend);
    es.metadata.annotations = { [ANNOTATION_KEEP_SECRET]: "true" };
    h.cluster.putEncryptedSecret(es);
    await h.reconciler.reconcile("app", "db");
    expect(h.cluster.secrets.get("app/db")?.metadata.ownerReferences).toBeUndefined();
    await h.reconciler.reconcile("app", "db");
    expect(h.cluster.writes.apply).toBe(1);
    expect(ready(h.cluster.encryptedSecrets.get("app/db"))).toMatchObject({ reason: "Synced" });
  });

  it("does nothing for an object that is gone", async () => {
    const h = harness(backend);
    await expect(h.reconciler.reconcile("app", "missing")).resolves.toEqual({ kind: "done" });
    expect(h.cluster.writes).toEqual({ apply: 0, delete: 0, status: 0 });
  });
});
