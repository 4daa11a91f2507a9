// Sealing shared by `seal` and `edit`: SecretContent + target + key reference → EncryptedSecret YAML,
// either through a key backend (resolving "latest" to a concrete version) or offline with a public
// key bundle. The envelope code makes a fresh DEK every time and zeroes it; the caller zeroes the
// content's values.
import { LATEST_VERSION } from "../api/v1alpha1/constants.ts";
import type { KeyRefSpec, Scope, SecretTemplate } from "../api/v1alpha1/types.ts";
import { seal, sealOffline, type SealedSpec, type SealInput } from "../envelope/index.ts";
import type { PublicKeyBundle } from "./bundle.ts";
import type { CliConfig } from "./config.ts";
import type { Context } from "./context.ts";
import type { SecretContent } from "./manifest.ts";
import { withBackend } from "./providers.ts";
import { renderEncryptedSecret, type OutputMetadata } from "./render.ts";

export interface SealRequest {
  readonly content: SecretContent;
  readonly scope: Scope;
  /** The EncryptedSecret's metadata; name and namespace are also the target the values are bound to. */
  readonly metadata: OutputMetadata;
  readonly keyRef: KeyRefSpec;
  /** Binds to this namespace when metadata has none (edit --namespace); metadata stays as it is. */
  readonly bindNamespace?: string | undefined;
  /** template.metadata.name, kept by `edit`; `seal` never sets it. */
  readonly secretName?: string | undefined;
}

/** The template the content implies: type, immutability, labels and annotations (all authenticated). */
export function templateOf(content: SecretContent, secretName?: string): SecretTemplate {
  const metadata: NonNullable<SecretTemplate["metadata"]> = {};
  if (secretName !== undefined) metadata.name = secretName;
  if (Object.keys(content.labels).length > 0) metadata.labels = { ...content.labels };
  if (Object.keys(content.annotations).length > 0) metadata.annotations = { ...content.annotations };
  return {
    type: content.type,
    ...(content.immutable !== undefined ? { immutable: content.immutable } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

function sealInput(req: SealRequest): SealInput {
  return { scope: req.scope, namespace: req.metadata.namespace ?? req.bindNamespace, name: req.metadata.name, template: templateOf(req.content, req.secretName), data: req.content.data };
}

function render(req: SealRequest, sealed: SealedSpec, keyRef: KeyRefSpec): string {
  return renderEncryptedSecret({ metadata: req.metadata, spec: { keyRef, ...sealed } });
}

/** Seals through the provider's backend; keyRef.version may be "latest". */
export async function sealWithProvider(context: Context, config: CliConfig | undefined, req: SealRequest): Promise<string> {
  return withBackend(context, config, req.keyRef.provider, async (backend) => {
    const version = req.keyRef.version === LATEST_VERSION ? await backend.currentVersion(req.keyRef.key) : req.keyRef.version;
    const sealed = await seal(backend, { key: req.keyRef.key, version }, sealInput(req), { randomBytes: context.randomBytes });
    return render(req, sealed, req.keyRef);
  });
}

/** Seals offline with the bundle's public key; no backend is contacted. */
export async function sealWithBundle(context: Context, bundle: PublicKeyBundle, req: SealRequest): Promise<string> {
  const sealed = await sealOffline(bundle, sealInput(req), { randomBytes: context.randomBytes });
  return render(req, sealed, req.keyRef);
}
