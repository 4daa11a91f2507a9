// Installs the project's CRDs (crds/*.yaml) into the testbed apiserver and waits until they serve.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { GROUP, PLURAL_ENCRYPTED_SECRETS, PLURAL_KEY_PROVIDERS, VERSION } from "../../src/api/v1alpha1/constants.ts";
import { adminKubeConfig, applyAll, eventually, parseManifests } from "./kube.ts";

export const CRD_DIR = join(import.meta.dirname, "..", "..", "crds");

/** Release that owns the CRDs in tests, so `helm install` of that release adopts them. */
export const CRD_RELEASE = { name: "envelope", namespace: "envelope-system" };

export async function installCrds(): Promise<void> {
  const kc = adminKubeConfig();
  const docs = readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml")).flatMap((f) => parseManifests(readFileSync(join(CRD_DIR, f), "utf8")));
  // Helm's ownership markers: a later `helm install envelope -n envelope-system` adopts these CRDs
  // instead of refusing to touch objects it did not create.
  for (const doc of docs) {
    doc.metadata = {
      ...doc.metadata,
      labels: { ...doc.metadata?.labels, "app.kubernetes.io/managed-by": "Helm" },
      annotations: { ...doc.metadata?.annotations, "meta.helm.sh/release-name": CRD_RELEASE.name, "meta.helm.sh/release-namespace": CRD_RELEASE.namespace },
    };
  }
  await applyAll(kc, docs);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await eventually(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_KEY_PROVIDERS }).then(() => true), "the KeyProvider CRD to serve");
  await eventually(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS }).then(() => true), "the EncryptedSecret CRD to serve");
}
