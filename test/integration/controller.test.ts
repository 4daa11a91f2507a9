// The controller end to end on the real testbed: a separate process authenticated as the chart's
// ServiceAccount (RBAC from `helm template`), the local key backend, a real apiserver with garbage
// collection. Each test uses its own namespace.
import { randomUUID } from "node:crypto";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthorizationV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from "@kubernetes/client-node";
import type { EncryptedSecret } from "../../src/api/v1alpha1/types.ts";
import { ANNOTATION_ADOPT } from "../../src/api/v1alpha1/constants.ts";
import { adminKubeConfig, eventually, statusCode } from "../harness/kube.ts";
import { core, createLocalProvider, encryptedSecrets, installOperatorIdentity, upsertKeyProvider } from "../harness/operator.ts";
import { startController, type ControllerProcess } from "../harness/controller-process.ts";
import { localSealer, type Sealer } from "../harness/sealer.ts";
import { testbed } from "../harness/testbed.ts";

const PROVIDER = "local-dev";
const VALUE = "integration-value-7f3a";

let controller: ControllerProcess;
let operatorKubeconfig: string;
let sealer: Sealer;
const es = encryptedSecrets();

async function namespace(labels: Record<string, string> = {}): Promise<string> {
  const name = `it-${randomUUID().slice(0, 8)}`;
  await core().createNamespace({ body: { metadata: { name, labels } } });
  return name;
}

async function readSecret(ns: string, name: string): Promise<V1Secret | undefined> {
  return core().readNamespacedSecret({ namespace: ns, name }).catch((e: unknown) => {
    if (statusCode(e) === 404) return undefined;
    throw e;
  });
}

const decoded = (s: V1Secret | undefined, key = "password"): string | undefined => (s?.data?.[key] === undefined ? undefined : Buffer.from(s.data[key], "base64").toString());

/** The real CLI, as a user with the admin kubeconfig runs it. */
async function envelopeCli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, "..", "..", "src", "cli", "main.ts"), ...args], { env: { PATH: process.env.PATH ?? "", KUBECONFIG: testbed().kube.kubeconfig } });
  return stdout;
}

async function readyCondition(ns: string, name: string, reason: string): Promise<EncryptedSecret> {
  return eventually(async () => {
    const obj = await es.get(ns, name);
    const ready = obj.status?.conditions?.find((c) => c.type === "Ready");
    return ready?.reason === reason && ready.observedGeneration === obj.metadata.generation ? obj : undefined;
  }, `EncryptedSecret ${ns}/${name} to report ${reason}`);
}

describe("controller on a real apiserver", () => {
  beforeAll(async () => {
    operatorKubeconfig = await installOperatorIdentity();
    const keys = await createLocalProvider(PROVIDER, "app", ["1", "2"]);
    sealer = localSealer(PROVIDER, "app", keys);
    controller = await startController(operatorKubeconfig);
  });

  afterAll(async () => {
    const code = await controller?.stop();
    expect(code).toBe(0);
    // No permission the controller needed was missing.
    expect(controller.output()).not.toMatch(/HTTP 403|forbidden/i);
    expect(controller.output()).not.toContain(VALUE);
  });

  it("materializes a sealed Secret with its data, type, labels and owner, and reports Ready", async () => {
    const ns = await namespace();
    await es.apply(await sealer.seal(ns, "db", { password: VALUE }, { type: "kubernetes.io/basic-auth", metadata: { labels: { team: "payments" } } }));
    const ready = await readyCondition(ns, "db", "Synced");
    expect(ready.status?.keyVersion).toBe("1");
    const secret = await readSecret(ns, "db");
    expect(decoded(secret)).toBe(VALUE);
    expect(secret?.type).toBe("kubernetes.io/basic-auth");
    expect(secret?.metadata?.labels?.team).toBe("payments");
    expect(secret?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "EncryptedSecret", name: "db", uid: ready.metadata.uid, controller: true });
  });

  it("updates the Secret when the EncryptedSecret changes", async () => {
    const ns = await namespace();
    await es.apply(await sealer.seal(ns, "db", { password: VALUE }));
    await readyCondition(ns, "db", "Synced");
    await es.apply(await sealer.seal(ns, "db", { password: `${VALUE}-2` }));
    await eventually(async () => (decoded(await readSecret(ns, "db")) === `${VALUE}-2` ? true : undefined), "the Secret to carry the new value");
  });

  it("garbage-collects the Secret when the EncryptedSecret is deleted", async () => {
    const ns = await namespace();
    await es.apply(await sealer.seal(ns, "db", { password: VALUE }));
    await readyCondition(ns, "db", "Synced");
    await es.remove(ns, "db");
    await eventually(async () => ((await readSecret(ns, "db")) === undefined ? true : undefined), "the Secret to be garbage-collected");
  });

  it("restores a Secret edited or deleted by hand", async () => {
    const ns = await namespace();
    await es.apply(await sealer.seal(ns, "db", { password: VALUE }));
    await readyCondition(ns, "db", "Synced");
    const live = (await readSecret(ns, "db"))!;
    live.data = { password: Buffer.from("hand-edit").toString("base64") };
    await core().replaceNamespacedSecret({ namespace: ns, name: "db", body: live });
    await eventually(async () => (decoded(await readSecret(ns, "db")) === VALUE ? true : undefined), "the edited Secret to be restored");
    await core().deleteNamespacedSecret({ namespace: ns, name: "db" });
    await eventually(async () => (decoded(await readSecret(ns, "db")) === VALUE ? true : undefined), "the deleted Secret to be recreated");
  });

  it("leaves a pre-existing Secret it does not own untouched (NotOwned) until adoption is requested", async () => {
    const ns = await namespace();
    await core().createNamespacedSecret({ namespace: ns, body: { metadata: { name: "db" }, stringData: { password: "pre-existing" } } });
    const sealed = await sealer.seal(ns, "db", { password: VALUE });
    await es.apply(sealed);
    await readyCondition(ns, "db", "NotOwned");
    expect(decoded(await readSecret(ns, "db"))).toBe("pre-existing");
    await es.apply({ ...sealed, metadata: { ...sealed.metadata, annotations: { [ANNOTATION_ADOPT]: "true" } } });
    await readyCondition(ns, "db", "Synced");
    expect(decoded(await readSecret(ns, "db"))).toBe(VALUE);
  });

  it("refuses ciphertext copied into another namespace (BindingMismatch) and writes no Secret", async () => {
    const [home, other] = [await namespace(), await namespace()];
    const sealed = await sealer.seal(home, "db", { password: VALUE });
    await es.apply({ ...sealed, metadata: { ...sealed.metadata, namespace: other } });
    await readyCondition(other, "db", "BindingMismatch");
    expect(await readSecret(other, "db")).toBeUndefined();
  });

  it("reports a tampered value as DecryptFailed and keeps the previous good Secret", async () => {
    const ns = await namespace();
    const sealed = await sealer.seal(ns, "db", { password: VALUE });
    await es.apply(sealed);
    await readyCondition(ns, "db", "Synced");
    const bytes = Buffer.from(sealed.spec.encryptedData.password!, "base64");
    bytes[20]! ^= 0x01;
    await es.apply({ ...sealed, spec: { ...sealed.spec, encryptedData: { password: bytes.toString("base64") } } });
    await readyCondition(ns, "db", "DecryptFailed");
    expect(decoded(await readSecret(ns, "db"))).toBe(VALUE);
  });

  it("refuses a namespace the KeyProvider does not allow", async () => {
    const restricted = localSealer("restricted", "app", await createLocalProvider("restricted", "app", ["1"], { allowedNamespaces: { matchLabels: { "envelope.dev/allowed": "true" } } }));
    const [denied, allowed] = [await namespace(), await namespace({ "envelope.dev/allowed": "true" })];
    await es.apply(await restricted.seal(denied, "db", { password: VALUE }));
    await es.apply(await restricted.seal(allowed, "db", { password: VALUE }));
    await readyCondition(denied, "db", "NamespaceNotAllowed");
    await readyCondition(allowed, "db", "Synced");
    expect(await readSecret(denied, "db")).toBeUndefined();
  });

  it("reports an unknown KeyProvider and recovers once it is created", async () => {
    const ns = await namespace();
    const keys = await createLocalProvider("late", "app", ["1"]);
    const sealed = await localSealer("late", "app", keys).seal(ns, "db", { password: VALUE });
    await adminKubeConfig().makeApiClient(CustomObjectsApi).deleteClusterCustomObject({ group: "envelope.dev", version: "v1alpha1", plural: "keyproviders", name: "late" });
    await es.apply(sealed);
    await readyCondition(ns, "db", "UnknownProvider");
    await upsertKeyProvider("late", { local: { secretRef: { namespace: "envelope-system", name: "late-keks" } } });
    await readyCondition(ns, "db", "Synced");
  });

  it("exposes reconcile and DEK-cache metrics without per-object labels", async () => {
    const text = await (await fetch(controller.metricsUrl)).text();
    expect(text).toContain("envelope_reconcile_total");
    expect(text).toContain('envelope_kms_calls_total{backend="local",operation="unwrap",result="success"}');
    expect(text).not.toMatch(/resource_name=|namespace="it-/);
  });

  it("rewraps on a key version bump into status without rewriting the Secret, and drops it once git has it", async () => {
    const ns = await namespace();
    const sealed = await sealer.seal(ns, "db", { password: VALUE });
    await es.apply(sealed);
    await readyCondition(ns, "db", "Synced");
    const before = await readSecret(ns, "db");
    await es.apply({ ...sealed, spec: { ...sealed.spec, keyRef: { ...sealed.spec.keyRef, version: "2" } } });
    const rewrapped = await readyCondition(ns, "db", "RewrapPending");
    expect(rewrapped.status?.keyVersion).toBe("2");
    // The inventory a security team reads: the object counts under version 2 and is listed as not yet in git.
    const status = await envelopeCli(["status", "-n", ns, "-o", "json"]);
    expect(JSON.parse(status) as unknown).toMatchObject({ rows: [{ provider: PROVIDER, key: "app", version: "2", objects: 1 }], stale: [{ namespace: ns, name: "db" }] });
    expect(rewrapped.status?.envelope).toMatchObject({ keyVersion: "2", commitment: sealed.spec.envelope.commitment });
    expect((await readSecret(ns, "db"))?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
    // The file in git, as bumped by the user: `envelope pull` brings the rewrapped envelope into it.
    const dir = await mkdtemp(join(tmpdir(), "envelope-pull-"));
    const file = join(dir, "db.enc.yaml");
    const bumped = { ...sealed, spec: { ...sealed.spec, keyRef: { ...sealed.spec.keyRef, version: "2" } } };
    await writeFile(file, `# database credentials (comment kept by pull)\n${stringify(bumped)}`);
    expect(await envelopeCli(["pull", file])).toContain("1 pulled, 0 up to date");
    const pulledText = await readFile(file, "utf8");
    expect(pulledText).toContain("# database credentials (comment kept by pull)");
    const pulled = parse(pulledText) as EncryptedSecret;
    expect(pulled.spec.envelope).toEqual(Object.fromEntries(Object.entries(rewrapped.status!.envelope!).filter(([k]) => k !== "replaces")));
    expect(pulled.spec.encryptedData).toEqual(sealed.spec.encryptedData);
    await es.apply(pulled);
    const caughtUp = await readyCondition(ns, "db", "Synced");
    expect(caughtUp.status?.envelope).toBeUndefined();
    expect(caughtUp.status?.keyVersion).toBe("2");
    // Idempotent: git has it now, so a second pull changes nothing.
    expect(await envelopeCli(["pull", file])).toContain("0 pulled, 1 up to date");
    expect(await readFile(file, "utf8")).toBe(pulledText);
  });

  it("counts objects per KEK version for the retirement inventory", async () => {
    const count = await eventually(async () => {
      const n = await controller.metric("envelope_objects_per_key_version", { provider: PROVIDER, key: "app", version: "1" });
      return n > 0 ? n : undefined;
    }, "the inventory gauge to be published", 30_000);
    expect(count).toBeGreaterThan(0);
  });

  it("runs with nothing broader than the chart grants", async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(operatorKubeconfig);
    const review = kc.makeApiClient(AuthorizationV1Api);
    const can = async (verb: string, group: string, resource: string, namespace?: string): Promise<boolean> =>
      (await review.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb, group, resource, ...(namespace === undefined ? {} : { namespace }) } } } })).status?.allowed === true;
    expect(await can("watch", "envelope.dev", "encryptedsecrets")).toBe(true);
    expect(await can("create", "envelope.dev", "encryptedsecrets", "default")).toBe(false);
    expect(await can("update", "envelope.dev", "encryptedsecrets", "default")).toBe(false);
    expect(await can("get", "", "configmaps", "default")).toBe(false);
    expect(await can("delete", "envelope.dev", "keyproviders")).toBe(false);
    expect(await can("update", "coordination.k8s.io", "leases", "default")).toBe(false);
  });
});
