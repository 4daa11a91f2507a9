// Builds the key backend a KeyProvider describes. The only module that knows every backend; the
// controller gets a factory from the composition root and never sees a backend type.
import type { KeyProvider, Pkcs11ProviderSpec } from "../api/v1alpha1/key-provider.ts";
import { ProviderMisconfiguredError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { keySetFromSecretData } from "./local/key-set.ts";
import { LocalBackend } from "./local/local.ts";
import { Pkcs11Backend } from "./pkcs11/pkcs11.ts";
import type { KeyBackend } from "./types.ts";

export interface BackendContext {
  /** `data` of a Secret (base64 values), read when a backend needs credentials or key material. */
  readSecret(namespace: string, name: string): Promise<Record<string, string>>;
  readonly log: Logger;
}

export type BackendFactory = (provider: KeyProvider) => Promise<KeyBackend>;

export function createBackendFactory(ctx: BackendContext): BackendFactory {
  return async (provider) => {
    const spec = provider.spec;
    if (spec.local !== undefined) {
      const { namespace, name } = spec.local.secretRef;
      return new LocalBackend(async () => keySetFromSecretData(`Secret ${namespace}/${name}`, await ctx.readSecret(namespace, name)));
    }
    if (spec.pkcs11 !== undefined) return openPkcs11(provider.metadata.name, spec.pkcs11, spec.rateLimit?.maxConcurrency, ctx);
    const kind = Object.keys(spec).find((k) => ["aws", "azure"].includes(k)) ?? "none";
    throw new ProviderMisconfiguredError(`KeyProvider "${provider.metadata.name}": backend "${kind}" is not available in this build`);
  };
}

async function openPkcs11(name: string, spec: Pkcs11ProviderSpec, maxSessions: number | undefined, ctx: BackendContext): Promise<KeyBackend> {
  const { namespace, name: secret, key } = spec.pinSecretRef;
  const encoded = (await ctx.readSecret(namespace, secret))[key];
  if (encoded === undefined) throw new ProviderMisconfiguredError(`KeyProvider "${name}": Secret ${namespace}/${secret} has no key "${key}" for the PKCS#11 PIN`);
  // A PIN file made with `kubectl create secret --from-file` usually ends with a newline.
  const pin = Buffer.from(encoded, "base64").toString("utf8").replace(/\r?\n$/, "");
  return Pkcs11Backend.open({ module: spec.module, tokenLabel: spec.tokenLabel, pin, rsaOaepHash: spec.rsaOaepHash ?? "sha256", ...(maxSessions === undefined ? {} : { maxSessions }) });
}
