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
