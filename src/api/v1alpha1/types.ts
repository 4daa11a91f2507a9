// EncryptedSecret and KeyProvider as TypeScript data types. They mirror crds/*.yaml (the schema is the
// source of truth; test/unit/crd-types.test.ts keeps the two in step). Data only, no behaviour.

export type Scope = "strict" | "namespace" | "cluster";

export interface KeyRefSpec {
  /** Name of a cluster-scoped KeyProvider (or of a provider in the CLI's local configuration). */
  provider: string;
  /** Backend-specific KEK id: AWS key id/ARN/alias, Key Vault key name, PKCS#11 key label, local key name. */
  key: string;
  /** Requested KEK version, or "latest". */
  version: string;
}

/** Written by the CLI (and by the controller into status on rewrap). Never contains plaintext. */
export interface EnvelopeSpec {
  /** Envelope format version: "v1". */
  format: string;
  /** The KEK that wrapped the DEK, and its version. */
  key: string;
  keyVersion: string;
  /** How the DEK was wrapped (e.g. "A256GCM", "AES-KWP", "RSA-OAEP-256", "AWS-KMS-SYMMETRIC"). */
  algorithm: string;
  /** base64 of the wrapped DEK. */
  wrappedKey: string;
  /** base64 of the key commitment (docs/format.md). */
  commitment: string;
  /** Namespace the envelope was sealed for (scopes strict and namespace). */
  namespace?: string;
  /** Name the envelope was sealed for (scope strict). */
  name?: string;
}

export interface SecretTemplate {
  /** Secret type; default "Opaque". */
  type?: string;
  immutable?: boolean;
  metadata?: {
    /** Name of the Secret to write; default: the EncryptedSecret's name. */
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

export interface EncryptedSecretSpec {
  keyRef: KeyRefSpec;
  scope: Scope;
  envelope: EnvelopeSpec;
  /** One AEAD ciphertext per Secret key: base64(nonce || ciphertext || tag). */
  encryptedData: Record<string, string>;
  template?: SecretTemplate;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface EncryptedSecretStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** KEK version of the envelope in use (spec's, or the rewrapped one in status.envelope). */
  keyVersion?: string;
  /** Rewrapped envelope, used while `replaces` equals the spec envelope's wrappedKey digest. */
  envelope?: EnvelopeSpec & { replaces: string };
  secretName?: string;
  /** SHA-256 of the materialized data, for change detection; reveals nothing about the values. */
  dataHash?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface EncryptedSecret {
  apiVersion: "envelope.dev/v1alpha1";
  kind: "EncryptedSecret";
  metadata: ObjectMeta;
  spec: EncryptedSecretSpec;
  status?: EncryptedSecretStatus;
}
