// Pinned versions of every testbed component. Changing one rebuilds it (the cache is keyed by these).
export const KUBERNETES_VERSION = "1.34.4";
export const ETCD_VERSION = "3.6.4";
export const HELM_VERSION = "3.21.4";
/** nsmithuk/local-kms has no semver tags: this pseudo-version is release 3.11.7. */
export const LOCAL_KMS_VERSION = "v0.0.0-20231025161602-e4d9425700fe";
/** The last lowkey-vault line that runs on Java 17 (4.x needs 21, 5.x needs 25). */
export const LOWKEY_VAULT_VERSION = "3.4.0";
