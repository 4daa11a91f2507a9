// How the controller rides out failures on the real testbed: a key backend that disappears and comes
// back, leader election between two processes (crash and graceful hand-over), and an API server
// restart. Each test uses its own namespace and its own controller processes.
import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { V1Secret } from "@kubernetes/client-node";
import { adminKubeConfig, applyAll, eventually, statusCode } from "../harness/kube.ts";
import { core, createLocalProvider, encryptedSecrets, installOperatorIdentity, OPERATOR_NAMESPACE } from "../harness/operator.ts";
import { startController, type ControllerProcess } from "../harness/controller-process.ts";
import { localSealer, type Sealer } from "../harness/sealer.ts";
import { startApiserver, stopApiserver } from "../harness/apiserver.ts";

const PROVIDER = "resilience";
const VALUE = "resilience-value-91c2";
const es = encryptedSecrets();
let kubeconfig: string;
let keys: Record<string, Buffer>;
let sealer: Sealer;
const running: ControllerProcess[] = [];

async function namespace(): Promise<string> {
  const name = `rs-${randomUUID().slice(0, 8)}`;
  await core().createNamespace({ body: { metadata: { name } } });
  return name;
}

async function secretValue(ns: string, name = "db"): Promise<string | undefined> {
  const s: V1Secret | undefined = await core().readNamespacedSecret({ namespace: ns, name }).catch((e: unknown) => {
    if (statusCode(e) === 404) return undefined;
    throw e;
  });
  return s?.data?.password === undefined ? undefined : Buffer.from(s.data.password, "base64").toString();
}

async function reason(ns: string, name = "db"): Promise<string | undefined> {
  const obj = await es.get(ns, name);
  const ready = obj.status?.conditions?.find((c) => c.type === "Ready");
  return ready !== undefined && ready.observedGeneration === obj.metadata.generation ? ready.reason : undefined;
}

const waitReason = (ns: string, want: string): Promise<true> => eventually(async () => ((await reason(ns)) === want ? true : undefined), `${ns}/db to report ${want}`);

async function controller(args: string[] = []): Promise<ControllerProcess> {
  const proc = await startController(kubeconfig, args);
  running.push(proc);
  return proc;
}

describe("controller resilience", () => {
  beforeAll(async () => {
    kubeconfig = await installOperatorIdentity();
    keys = await createLocalProvider(PROVIDER, "app", ["1"]);
    sealer = localSealer(PROVIDER, "app", keys);
  });

  afterEach(async () => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) await p.kill();
  });

  it("reports ProviderUnavailable while the key material is gone, keeps the Secret, and recovers", async () => {
    await controller();
    const ns = await namespace();
    await es.apply(await sealer.seal(ns, "db", { password: VALUE }));
    await waitReason(ns, "Synced");
    await core().deleteNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: `${PROVIDER}-keks` });
    await es.apply(await sealer.seal(ns, "db", { password: `${VALUE}-new` }));
    await waitReason(ns, "ProviderUnavailable");
    expect(await secretValue(ns)).toBe(VALUE);
    await applyAll(adminKubeConfig(), [{ apiVersion: "v1", kind: "Secret", metadata: { name: `${PROVIDER}-keks`, namespace: OPERATOR_NAMESPACE }, data: Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.toString("base64")])) } as never]);
    await waitReason(ns, "Synced");
    expect(await secretValue(ns)).toBe(`${VALUE}-new`);
  });

  it("elects exactly one leader among two replicas, and the standby takes over when the leader crashes", async () => {
    const id = `le-${randomUUID().slice(0, 6)}`;
    const args = ["--leader-elect", `--leader-election-namespace=${OPERATOR_NAMESPACE}`, `--leader-election-id=${id}`];
    const [a, b] = [await controller(args), await controller(args)];
    const leaders = async (): Promise<number[]> => Promise.all([a, b].map((p) => (p.child.exitCode === null ? p.metric("envelope_leader") : Promise.resolve(0))));
    const first = await eventually(async () => {
      const l = await leaders();
      return l[0]! + l[1]! === 1 ? l : undefined;
    }, "exactly one leader");
    const [leader, standby] = first[0] === 1 ? [a, b] : [b, a];
    const ns = await namespace();
    await es.apply(await sealer.seal(ns, "db", { password: VALUE }));
    await waitReason(ns, "Synced");
    await leader.kill();
    await eventually(async () => ((await standby.metric("envelope_leader")) === 1 ? true : undefined), "the standby to take the lease", 60_000);
    const ns2 = await namespace();
    await es.apply(await sealer.seal(ns2, "db", { password: VALUE }));
    await waitReason(ns2, "Synced");
  });

  it("hands the lease over at once on SIGTERM, after finishing in-flight work", async () => {
    const id = `le-${randomUUID().slice(0, 6)}`;
    const args = ["--leader-elect", `--leader-election-namespace=${OPERATOR_NAMESPACE}`, `--leader-election-id=${id}`];
    const a = await controller(args);
    await eventually(async () => ((await a.metric("envelope_leader")) === 1 ? true : undefined), "the first replica to lead");
    const b = await controller(args);
    expect(await a.stop()).toBe(0);
    // Released, not expired: the lease's holder is cleared, so the standby needs no lease duration to wait.
    await eventually(async () => ((await b.metric("envelope_leader")) === 1 ? true : undefined), "the standby to take the released lease", 10_000);
  });

  it("reconciles only the namespaces given with --watch-namespaces", async () => {
    const [watched, ignored] = [await namespace(), await namespace()];
    await controller([`--watch-namespaces=${watched}`]);
    await es.apply(await sealer.seal(ignored, "db", { password: VALUE }));
    await es.apply(await sealer.seal(watched, "db", { password: VALUE }));
    await waitReason(watched, "Synced");
    // The watched object is done, so the controller has processed its queue; the other one never had a status.
    expect((await es.get(ignored, "db")).status).toBeUndefined();
    expect(await secretValue(ignored)).toBeUndefined();
  });

  it("recovers from an API server restart and converges on changes made meanwhile", async () => {
    const proc = await controller();
    const ns = await namespace();
    await es.apply(await sealer.seal(ns, "db", { password: VALUE }));
    await waitReason(ns, "Synced");
    await stopApiserver();
    await startApiserver();
    // Right after a start the apiserver may answer 503 for CRD-backed resources until discovery is warm.
    const changed = await sealer.seal(ns, "db", { password: `${VALUE}-after` });
    await eventually(() => es.apply(changed).then(() => true), "the restarted apiserver to accept EncryptedSecrets");
    await eventually(async () => ((await secretValue(ns)) === `${VALUE}-after` ? true : undefined), "the controller to converge after the restart", 90_000);
    expect(proc.child.exitCode).toBeNull();
    expect(await proc.metric("envelope_informer_restarts_total")).toBeGreaterThan(0);
  });
});
