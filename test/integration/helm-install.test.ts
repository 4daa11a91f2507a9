// `helm install` of the chart into the real testbed apiserver (no kubelet here, so no --wait: the
// Deployment is created and validated by the API server, but never gets Pods).
import { afterAll, describe, expect, it } from "vitest";
import { AppsV1Api, ApiextensionsV1Api, CoreV1Api, PolicyV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { helm, helmInstall } from "../../hack/tools/helm.ts";
import { adminKubeConfig } from "../harness/kube.ts";
import { installCrds, CRD_RELEASE } from "../harness/crds.ts";
import { testbed } from "../harness/testbed.ts";

describe("helm install into the testbed", () => {
  afterAll(async () => {
    // Leaves the CRDs (resource-policy keep) and lets a reused testbed run this test again.
    await helm(["uninstall", CRD_RELEASE.name, "-n", CRD_RELEASE.namespace, "--kubeconfig", testbed().kube.kubeconfig]).catch(() => undefined);
  });

  it("installs CRDs, RBAC, the Deployment with restricted security, the PDB and the metrics Service", async () => {
    // Other test files may have installed the CRDs already; they carry this release's ownership markers.
    await installCrds();
    const { name: release, namespace } = CRD_RELEASE;
    const out = await helmInstall(testbed().kube.kubeconfig, namespace, release);
    expect(out).toContain("STATUS: deployed");
    const kc = adminKubeConfig();
    const deployment = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace, name: "envelope-envelope-operator" });
    expect(deployment.spec?.replicas).toBe(2);
    const container = deployment.spec?.template.spec?.containers[0];
    expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(deployment.spec?.template.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    await expect(kc.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ namespace, name: "envelope-envelope-operator" })).resolves.toBeDefined();
    await expect(kc.makeApiClient(CoreV1Api).readNamespacedService({ namespace, name: "envelope-envelope-operator-metrics" })).resolves.toBeDefined();
    await expect(kc.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name: "envelope-envelope-operator" })).resolves.toBeDefined();
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: "encryptedsecrets.envelope.dev" });
    expect(crd.metadata?.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    expect(crd.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec?.properties?.encryptedData?.x_kubernetes_validations?.length).toBeGreaterThan(0);
  });
});
