// Seals EncryptedSecrets in tests exactly as the CLI does: the real envelope code and the real local
// backend with the same KEK bytes the cluster's KeyProvider Secret holds.
import type { EncryptedSecret, SecretTemplate } from "../../src/api/v1alpha1/types.ts";
import { seal } from "../../src/envelope/index.ts";
import { keySetFromSecretData } from "../../src/kms/local/key-set.ts";
import { LocalBackend } from "../../src/kms/local/local.ts";

export interface Sealer {
  seal(namespace: string, name: string, data: Record<string, string>, template?: SecretTemplate, version?: string): Promise<EncryptedSecret>;
}

export function localSealer(provider: string, key: string, keys: Record<string, Buffer>): Sealer {
  const set = keySetFromSecretData("test keys", Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.toString("base64")])));
  const backend = new LocalBackend(async () => set);
  return {
    seal: async (namespace, name, data, template = { type: "Opaque" }, version = "1") => {
      const values = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)]));
      const spec = await seal(backend, { key, version }, { scope: "strict", namespace, name, template, data: values });
      return {
        apiVersion: "envelope.dev/v1alpha1",
        kind: "EncryptedSecret",
        metadata: { name, namespace },
        spec: { keyRef: { provider, key, version }, ...spec },
      };
    },
  };
}
