// The real control plane answers: pinned version, CRDs and CRs, RBAC enforcement for a
// ServiceAccount token, and ownerReference garbage collection by kube-controller-manager.
import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, KubeConfig, VersionApi, type KubernetesObject } from "@kubernetes/client-node";
import { KUBERNETES_VERSION } from "../../hack/lib/testbed/versions.ts";
import { adminKubeConfig, applyAll, ensureNamespace, eventually, serviceAccountKubeconfig, statusCode } from "../harness/kube.ts";

const NS = "smoke-kube";

describe("testbed control plane", () => {
  it("reports the pinned Kubernetes version from /version", async () => {
    const info = await adminKubeConfig().makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).toBe(`v${KUBERNETES_VERSION}`);
  });

  it("creates a CRD and round-trips a custom resource through it", async () => {
    const kc = adminKubeConfig();
    // Applied, not created, so the test also passes against a reused testbed (ENVELOPE_TESTBED=reuse).
    await applyAll(kc, [{
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "widgets.smoke.envelope.dev" },
        spec: {
          group: "smoke.envelope.dev",
          scope: "Namespaced",
          names: { plural: "widgets", singular: "widget", kind: "Widget" },
          versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } } } }],
        },
      } as KubernetesObject]);
    await ensureNamespace(kc, NS);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const name = `w-${randomUUID().slice(0, 8)}`;
    const body = { apiVersion: "smoke.envelope.dev/v1", kind: "Widget", metadata: { name }, spec: { size: 3 } };
    // The CRD becomes servable asynchronously (Established); retry creation until it is.
    await eventually(() => custom.createNamespacedCustomObject({ group: "smoke.envelope.dev", version: "v1", namespace: NS, plural: "widgets", body }).then(() => true), "the Widget CRD to be served");
    const got = (await custom.getNamespacedCustomObject({ group: "smoke.envelope.dev", version: "v1", namespace: NS, plural: "widgets", name })) as { spec: { size: number } };
    expect(got.spec.size).toBe(3);
  });

  it("denies a ServiceAccount without RBAC rights with 403", async () => {
    const file = await serviceAccountKubeconfig(NS, "no-rights");
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    const err = await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: NS }).then(() => undefined, (e: unknown) => e);
    expect(statusCode(err)).toBe(403);
  });

  it("grants a ServiceAccount exactly what its Role allows", async () => {
    const file = await serviceAccountKubeconfig(NS, "configmap-reader", [
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "cm-read", namespace: NS }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list"] }] } as never,
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "cm-read", namespace: NS }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-read" }, subjects: [{ kind: "ServiceAccount", name: "configmap-reader", namespace: NS }] } as never,
    ]);
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    const core = kc.makeApiClient(CoreV1Api);
    await expect(core.listNamespacedConfigMap({ namespace: NS })).resolves.toBeDefined();
    const err = await core.listNamespacedSecret({ namespace: NS }).then(() => undefined, (e: unknown) => e);
    expect(statusCode(err)).toBe(403);
  });

  it("garbage-collects a dependent when its owner is deleted", async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await ensureNamespace(adminKubeConfig(), NS);
    const suffix = randomUUID().slice(0, 8);
    const owner = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: `gc-owner-${suffix}` }, data: { a: "1" } } });
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: `gc-dependent-${suffix}`, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: `gc-owner-${suffix}`, uid: owner.metadata!.uid! }] }, data: { b: "2" } },
    });
    await core.deleteNamespacedConfigMap({ namespace: NS, name: `gc-owner-${suffix}` });
    const gone = await eventually(
      () => core.readNamespacedConfigMap({ namespace: NS, name: `gc-dependent-${suffix}` }).then(() => undefined, (e: unknown) => (statusCode(e) === 404 ? true : undefined)),
      "the dependent ConfigMap to be garbage-collected",
    );
    expect(gone).toBe(true);
  });
});
