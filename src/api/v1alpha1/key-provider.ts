// KeyProvider as TypeScript data types. They mirror crds/envelope.dev_keyproviders.yaml (the schema
// is the source of truth; test/unit/crd-types.test.ts keeps the two in step). Data only.
import type { Condition, ObjectMeta } from "./types.ts";

/** A Secret anywhere in the cluster (KeyProviders are cluster-scoped, so the namespace is explicit). */
export interface SecretReference {
  namespace: string;
  name: string;
}

/** One data key of a Secret. */
export interface SecretKeyReference {
  namespace: string;
  name: string;
  key: string;
}

/** KEKs kept in a Secret: every data key of the Secret is one KEK version. Development, air-gapped clusters, tests. */
export interface LocalProviderSpec {
  secretRef: SecretReference;
}

/** AWS KMS. Credentials come from the pod identity (IRSA, EKS Pod Identity) unless credentialsSecretRef is set. */
export interface AwsProviderSpec {
  /** e.g. "eu-west-2". */
  region: string;
  /** KMS endpoint override (VPC/FIPS endpoint, a KMS-compatible server): http(s)://host[:port][/path]. */
  endpoint?: string;
  /** IAM role to assume before calling KMS. */
  roleArn?: string;
  /** Secret with static credentials instead of the pod identity. */
  credentialsSecretRef?: SecretReference;
}

/** Azure Key Vault. Credentials come from Azure Workload Identity unless credentialsSecretRef is set. */
export interface AzureProviderSpec {
  /** https://<vault>.vault.azure.net */
  vaultUrl: string;
  /** PEM CA bundle to trust for the vault (private endpoints, emulators). */
  caSecretRef?: SecretKeyReference;
  /** Secret with a service principal's credentials instead of the pod identity. */
  credentialsSecretRef?: SecretReference;
  /** Entra tenant (GUID or domain); default from the pod identity. */
  tenantId?: string;
  /** Application (client) id, a GUID; default from the pod identity. */
  clientId?: string;
}

export type RsaOaepHash = "sha1" | "sha256";

/** A PKCS#11 token. The module must exist in the controller's container. */
export interface Pkcs11ProviderSpec {
  /** Absolute path of the PKCS#11 module (.so). */
  module: string;
  /** Label of the token; the slot is found by it. At most 32 characters. */
  tokenLabel: string;
  pinSecretRef: SecretKeyReference;
  /** OAEP hash (and MGF1 hash) for RSA KEKs; defaulted to "sha256" by the API server. */
  rsaOaepHash?: RsaOaepHash;
}

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Client-side limits on calls to the provider. */
export interface RateLimitSpec {
  /** Sustained calls per second (> 0, may be fractional). */
  qps?: number;
  /** Calls allowed at once above qps (>= 1). */
  burst?: number;
  /** Calls in flight at most (>= 1). */
  maxConcurrency?: number;
}

/** Exactly one of local, aws, azure, pkcs11 is set (enforced by the CRD). */
export interface KeyProviderSpec {
  local?: LocalProviderSpec;
  aws?: AwsProviderSpec;
  azure?: AzureProviderSpec;
  pkcs11?: Pkcs11ProviderSpec;
  /** Namespaces (by their labels) whose EncryptedSecrets may use this provider; unset: all. */
  allowedNamespaces?: LabelSelector;
  /** Version floor: envelopes wrapped by an older KEK version are refused. Never "latest". */
  minVersion?: string;
  rateLimit?: RateLimitSpec;
}

export interface KeyProviderStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** What "latest" currently resolves to, per KEK id. */
  currentVersions?: Record<string, string>;
}

export interface KeyProvider {
  apiVersion: "envelope.dev/v1alpha1";
  kind: "KeyProvider";
  metadata: ObjectMeta;
  spec: KeyProviderSpec;
  status?: KeyProviderStatus;
}
