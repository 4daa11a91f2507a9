// The controller with a pkcs11 KeyProvider on the testbed's SoftHSM2 token: the PIN comes from a
// Secret, values sealed under the token's AES KEK (AES-KWP) and sealed offline with the RSA KEK's
// public key (RSA-OAEP) are materialized by the controller process, which never logs the PIN.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EncryptedSecret } from "../../src/api/v1alpha1/types.ts";
import { seal, sealOffline, type SealInput } from "../../src/envelope/index.ts";
import { Pkcs11Backend } from "../../src/kms/pkcs11/pkcs11.ts";
import { requireComponent } from "../harness/testbed.ts";
import { adminKubeConfig, applyAll, eventually } from "../harness/kube.ts";
import { core, encryptedSecrets, installOperatorIdentity, OPERATOR_NAMESPACE, upsertKeyProvider } from "../harness/operator.ts";
import { startController, type ControllerProcess } from "../harness/controller-process.ts";

const hsm = requireComponent("pkcs11");
process.env.SOFTHSM2_CONF = hsm.conf; // read by SoftHSM at C_Initialize in this worker
const PROVIDER = "it-hsm";
const VALUE = "pkcs11-controller-value-5d1e";
const es = encryptedSecrets();
let controller: ControllerProcess;
let backend: Pkcs11Backend;

function manifest(namespace: string, spec: Omit<EncryptedSecret["spec"], "keyRef">, key: string, version: string): EncryptedSecret {
  return { apiVersion: "envelope.dev/v1alpha1", kind: "EncryptedSecret", metadata: { name: "db", namespace }, spec: { keyRef: { provider: PROVIDER, key, version }, ...spec } };
}

async function materialized(namespace: string): Promise<string> {
  return eventually(async () => {
    const s = await core().readNamespacedSecret({ namespace, name: "db" });
    return s.data?.password === undefined ? undefined : Buffer.from(s.data.password, "base64").toString();
  }, `Secret ${namespace}/db`);
}

async function namespace(): Promise<string> {
  const name = `p11-${randomUUID().slice(0, 8)}`;
  await core().createNamespace({ body: { metadata: { name } } });
  return name;
}

const input = (ns: string): SealInput => ({ scope: "strict", namespace: ns, name: "db", template: { type: "Opaque" }, data: { password: Buffer.from(VALUE) } });

describe("controller with a PKCS#11 KeyProvider (SoftHSM2)", () => {
  beforeAll(async () => {
    const kubeconfig = await installOperatorIdentity();
    await applyAll(adminKubeConfig(), [{ apiVersion: "v1", kind: "Secret", metadata: { name: "hsm-pin", namespace: OPERATOR_NAMESPACE }, stringData: { pin: `${hsm.pin}\n` } } as never]);
    await upsertKeyProvider(PROVIDER, { pkcs11: { module: hsm.module, tokenLabel: hsm.tokenLabel, pinSecretRef: { namespace: OPERATOR_NAMESPACE, name: "hsm-pin", key: "pin" }, rsaOaepHash: "sha1" } });
    backend = await Pkcs11Backend.open({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin, rsaOaepHash: "sha1" });
    controller = await startController(kubeconfig, [], { SOFTHSM2_CONF: hsm.conf });
  });

  afterAll(async () => {
    await backend?.close();
    expect(await controller?.stop()).toBe(0);
    expect(controller.output()).not.toContain(hsm.pin);
    expect(controller.output()).not.toContain(VALUE);
  });

  it("materializes a value sealed under the token's AES KEK", async () => {
    const ns = await namespace();
    const spec = await seal(backend, { key: hsm.aesKeyLabel, version: "2" }, input(ns));
    expect(spec.envelope.algorithm).toBe("AES-KWP");
    await es.apply(manifest(ns, spec, hsm.aesKeyLabel, "2"));
    expect(await materialized(ns)).toBe(VALUE);
  });

  it("rotates from the AES KEK's CKA_ID 1 to 2 in status without touching the Secret", async () => {
    const ns = await namespace();
    const spec = await seal(backend, { key: hsm.aesKeyLabel, version: "1" }, input(ns));
    await es.apply(manifest(ns, spec, hsm.aesKeyLabel, "1"));
    expect(await materialized(ns)).toBe(VALUE);
    const before = await core().readNamespacedSecret({ namespace: ns, name: "db" });
    await es.apply(manifest(ns, spec, hsm.aesKeyLabel, "2"));
    const rotated = await eventually(async () => {
      const obj = await es.get(ns, "db");
      return obj.status?.conditions?.find((c) => c.type === "Ready")?.reason === "RewrapPending" ? obj : undefined;
    }, "the rewrap to key version 2");
    expect(rotated.status?.envelope).toMatchObject({ keyVersion: "2", algorithm: "AES-KWP", commitment: spec.envelope.commitment });
    expect((await core().readNamespacedSecret({ namespace: ns, name: "db" })).metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it("materializes a value sealed offline with the RSA KEK's public key", async () => {
    const ns = await namespace();
    const publicKey = await backend.publicKey({ key: hsm.rsaKeyLabel, version: "1" });
    expect(publicKey?.algorithm).toBe("RSA-OAEP");
    const spec = await sealOffline(publicKey!, input(ns));
    await es.apply(manifest(ns, spec, hsm.rsaKeyLabel, "1"));
    expect(await materialized(ns)).toBe(VALUE);
  });
});
