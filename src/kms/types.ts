// The whole key-backend contract. A backend is one configured KMS/HSM (one KeyProvider): it wraps and
// unwraps data keys (DEKs) under a key encryption key (KEK) it names, resolves which version of a
// KEK is current, and exports the public half of an asymmetric KEK for offline sealing.
// Nothing here knows about Kubernetes objects; errors are the classes in src/errors.ts.

/** Who a wrapped DEK is for. Passed to every wrap/unwrap so backends that support a context
 * (AWS KMS EncryptionContext, AES-GCM AAD) bind the wrapped key to its target as well. */
export interface KeyBinding {
  readonly scope: "strict" | "namespace" | "cluster";
  /** Empty string when the scope does not bind a namespace. */
  readonly namespace: string;
  /** Empty string when the scope does not bind a name. */
  readonly name: string;
}

/** A KEK as an EncryptedSecret refers to it: backend-specific id plus a concrete version. */
export interface KekRef {
  /** Backend-specific key id: AWS key id/ARN/alias, Key Vault key name, PKCS#11 key label, local key name. */
  readonly key: string;
  /** A concrete version (never "latest": resolve it with currentVersion first). */
  readonly version: string;
}

/** A DEK wrapped by a KEK. `algorithm` names how (e.g. "A256GCM", "AES-KWP", "RSA-OAEP-256",
 * "AWS-KMS-SYMMETRIC"); it is recorded in the envelope so the right unwrap is used. */
export interface WrappedKey {
  readonly kek: KekRef;
  readonly algorithm: string;
  readonly ciphertext: Uint8Array;
}

/** Public half of an asymmetric KEK, for sealing without access to the backend. */
export interface PublicKeyInfo {
  readonly kek: KekRef;
  /** SubjectPublicKeyInfo, PEM. */
  readonly pem: string;
  /** The wrap algorithm an offline sealer must use, e.g. "RSA-OAEP-256" or "RSA-OAEP" (SHA-1). */
  readonly algorithm: string;
}

export interface KeyBackend {
  /** Backend type, also the metrics label: "local" | "pkcs11" | "aws-kms" | "azure-key-vault". */
  readonly type: string;
  /** Wraps `dek` (not retained, not modified) under `kek`. */
  wrap(dek: Uint8Array, kek: KekRef, binding: KeyBinding, signal?: AbortSignal): Promise<WrappedKey>;
  /** Returns the DEK. The caller owns the returned buffer and zeroes it. Throws KeyMismatchError when
   * `wrapped` was not made by this key/version, other OperatorErrors when the backend fails. */
  unwrap(wrapped: WrappedKey, binding: KeyBinding, signal?: AbortSignal): Promise<Uint8Array>;
  /** The version "latest" currently resolves to for `key`. */
  currentVersion(key: string, signal?: AbortSignal): Promise<string>;
  /** The public key of an asymmetric KEK; undefined for symmetric KEKs. */
  publicKey(kek: KekRef, signal?: AbortSignal): Promise<PublicKeyInfo | undefined>;
  /** Optional: rewrap without exposing the DEK outside the backend (AWS KMS ReEncrypt). */
  rewrap?(wrapped: WrappedKey, to: KekRef, binding: KeyBinding, signal?: AbortSignal): Promise<WrappedKey>;
  /** Releases sessions and connections. */
  close(): Promise<void>;
}
