// Inspection: what an envelope says about itself, from its clear-text fields only. Decrypts nothing
// and needs no key, so it is safe to run anywhere (CLI `inspect`, status, debugging).
import type { EncryptedSecretSpec, Scope, SecretTemplate } from "../api/v1alpha1/types.ts";
import { decodeSpec, VALUE_OVERHEAD } from "./format.ts";

export interface ValueInfo {
  readonly name: string;
  /** Plaintext size (stored size minus nonce and tag): visible to anyone who can read the spec. */
  readonly plaintextBytes: number;
}

export interface EnvelopeInfo {
  readonly format: string;
  readonly key: string;
  readonly keyVersion: string;
  readonly algorithm: string;
  readonly scope: Scope;
  /** Bound namespace (scopes strict and namespace). */
  readonly namespace?: string;
  /** Bound name (scope strict). */
  readonly name?: string;
  readonly wrappedKeyBytes: number;
  readonly values: readonly ValueInfo[];
  readonly totalPlaintextBytes: number;
  readonly secretType: string;
  readonly immutable: boolean;
  /** template.metadata.name, when set. */
  readonly secretName?: string;
  readonly labelKeys: readonly string[];
  readonly annotationKeys: readonly string[];
}

type TemplateInfo = Pick<EnvelopeInfo, "secretType" | "immutable" | "secretName" | "labelKeys" | "annotationKeys">;

function templateInfo(template: SecretTemplate | undefined): TemplateInfo {
  const metadata = template?.metadata;
  return {
    secretType: template?.type ?? "Opaque",
    immutable: template?.immutable === true,
    ...(metadata?.name !== undefined ? { secretName: metadata.name } : {}),
    labelKeys: Object.keys(metadata?.labels ?? {}),
    annotationKeys: Object.keys(metadata?.annotations ?? {}),
  };
}

/** Validates `spec` (throws like parseSpec) and describes it. */
export function inspect(spec: Pick<EncryptedSecretSpec, "scope" | "envelope" | "encryptedData" | "template">): EnvelopeInfo {
  const decoded = decodeSpec(spec);
  const { envelope } = decoded;
  const values = [...decoded.values].map(([name, stored]) => ({ name, plaintextBytes: stored.length - VALUE_OVERHEAD }));
  return {
    format: envelope.format,
    key: envelope.key,
    keyVersion: envelope.keyVersion,
    algorithm: envelope.algorithm,
    scope: decoded.scope,
    ...(envelope.namespace !== undefined ? { namespace: envelope.namespace } : {}),
    ...(envelope.name !== undefined ? { name: envelope.name } : {}),
    wrappedKeyBytes: decoded.wrappedKey.length,
    values,
    totalPlaintextBytes: values.reduce((sum, v) => sum + v.plaintextBytes, 0),
    ...templateInfo(decoded.template),
  };
}
