// Every literal name the operator puts on the wire, in one place.
export const GROUP = "envelope.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND_ENCRYPTED_SECRET = "EncryptedSecret";
export const KIND_KEY_PROVIDER = "KeyProvider";
export const PLURAL_ENCRYPTED_SECRETS = "encryptedsecrets";
export const PLURAL_KEY_PROVIDERS = "keyproviders";
export const ENVELOPE_FORMAT_V1 = "v1";
export const LATEST_VERSION = "latest";

/** Field manager for every write the controller makes (server-side apply). */
export const FIELD_MANAGER = "envelope-operator";
/** On every Secret the operator manages; the controller's Secret cache selects on it. */
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "envelope-operator";
/** Names the EncryptedSecret a Secret was written from (same namespace). */
export const LABEL_SOURCE = "envelope.dev/encrypted-secret";
/** Hash of the EncryptedSecret inputs (ciphertexts, template, commitment) the Secret was written from. */
export const ANNOTATION_SOURCE_HASH = "envelope.dev/source-hash";
/** Hash of the Secret's own type and data, so a hand edit is noticed without decrypting anything. */
export const ANNOTATION_DATA_HASH = "envelope.dev/data-hash";
/** On an EncryptedSecret: "true" lets the controller take over a pre-existing Secret it does not own. */
export const ANNOTATION_ADOPT = "envelope.dev/adopt";
/** On an EncryptedSecret: "true" keeps the Secret when the EncryptedSecret is deleted (no ownerReference). */
export const ANNOTATION_KEEP_SECRET = "envelope.dev/keep-secret";
