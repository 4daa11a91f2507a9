// Public data types of the envelope module: what callers pass in to seal and open, and what they get
// back. Data only; the rules live in format.ts (shape and bounds) and docs/format.md (normative).
import type { EncryptedSecretSpec, Scope, SecretTemplate } from "../api/v1alpha1/types.ts";

/** Source of randomness; injected so test vectors are reproducible. Must return `size` fresh bytes. */
export type RandomBytes = (size: number) => Uint8Array;

/** The object an envelope is opened for: the EncryptedSecret's own namespace and name. */
export interface Target {
  readonly namespace: string;
  readonly name: string;
}

export interface SealInput {
  readonly scope: Scope;
  /** Required for scopes strict and namespace; ignored for cluster. */
  readonly namespace?: string | undefined;
  /** Required for scope strict; ignored otherwise. */
  readonly name?: string | undefined;
  readonly template?: SecretTemplate | undefined;
  /** Plaintext Secret values by key. Not modified and not retained. */
  readonly data: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;
}

export interface SealOptions {
  /** Defaults to node:crypto randomBytes. Used for the DEK (async layer) and every nonce. */
  readonly randomBytes?: RandomBytes | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** The envelope fields that do not depend on how the DEK is wrapped. */
export interface EnvelopeFields {
  format: string;
  commitment: string;
  namespace?: string;
  name?: string;
}

export interface SealedValues {
  envelopeFields: EnvelopeFields;
  /** base64(nonce || ciphertext || tag) per Secret key, in UTF-8 byte order of the key names. */
  encryptedData: Record<string, string>;
}

/** A complete spec except keyRef, which names a KeyProvider and is the caller's business. */
export type SealedSpec = Omit<EncryptedSecretSpec, "keyRef">;
