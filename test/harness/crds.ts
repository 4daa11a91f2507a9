// Installs the project's CRDs (crds/*.yaml) into the testbed apiserver and waits until they serve.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { GROUP, PLURAL_ENCRYPTED_SECRETS, PLURAL_KEY_PROVIDERS, VERSION } from "../../src/api/v1alpha1/constants.ts";
import { adminKubeConfig, applyAll, eventually, parseManifests } from "./kube.ts";

export const CRD_DIR = join(import.meta.dirname, "..", "..", "crds");

export async function installCrds(): Promise<void> {
  const kc = adminKubeConfig();
  const docs = readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml")).flatMap((f) => parseManifests(readFileSync(join(CRD_DIR, f), "utf8")));
  await applyAll(kc, docs);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await eventually(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_KEY_PROVIDERS }).then(() => true), "the KeyProvider CRD to serve");
  await eventually(() => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS }).then(() => true), "the EncryptedSecret CRD to serve");
}
