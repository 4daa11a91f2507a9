// Builds the key backend a KeyProvider describes. The only module that knows every backend; the
// controller gets a factory from the composition root and never sees a backend type.
import type { KeyProvider } from "../api/v1alpha1/key-provider.ts";
import { ProviderMisconfiguredError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { keySetFromSecretData } from "./local/key-set.ts";
import { LocalBackend } from "./local/local.ts";
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
    const kind = Object.keys(spec).find((k) => ["aws", "azure", "pkcs11"].includes(k)) ?? "none";
    throw new ProviderMisconfiguredError(`KeyProvider "${provider.metadata.name}": backend "${kind}" is not available in this build`);
  };
}
