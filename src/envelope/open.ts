// Opening, in the order docs/format.md prescribes: shape and bounds, then the clear-text binding
// (before any KMS call), then the unwrap, then the key commitment (before any decryption), then every
// value. All values must authenticate or none is returned. The DEK never outlives the call except
// through unwrapDek, whose caller owns and zeroes it (the controller's DEK cache).
import type { EncryptedSecretSpec, EnvelopeSpec } from "../api/v1alpha1/types.ts";
import type { KeyBackend, KeyBinding } from "../kms/types.ts";
import { decryptValue } from "./aead.ts";
import { aadContext, bindingFor, buildAad, checkEnvelopeBinding } from "./binding.ts";
import { verifyCommitmentBytes } from "./commitment.ts";
import { checkFormat, decodeBase64, decodeSpec, LIMITS, type DecodedEnvelope } from "./format.ts";
import { deriveDataKey } from "./kdf.ts";
import type { CallOptions, Target } from "./types.ts";

type OpenableSpec = Pick<EncryptedSecretSpec, "scope" | "envelope" | "encryptedData" | "template">;

function decryptAll(dek: Uint8Array, decoded: DecodedEnvelope, target: Target): Map<string, Uint8Array> {
  const context = aadContext(bindingFor(decoded.scope, target.namespace, target.name), decoded.template, decoded.values.keys());
  const key = deriveDataKey(dek);
  const plaintexts = new Map<string, Uint8Array>();
  try {
    for (const [name, stored] of decoded.values) plaintexts.set(name, decryptValue(key, buildAad(context, name), stored, name));
    return plaintexts;
  } catch (err) {
    for (const value of plaintexts.values()) value.fill(0);
    throw err;
  } finally {
    key.fill(0);
  }
}

function openDecoded(dek: Uint8Array, decoded: DecodedEnvelope, target: Target): Map<string, Uint8Array> {
  verifyCommitmentBytes(dek, decoded.commitment);
  return decryptAll(dek, decoded, target);
}

/**
 * Opens `spec` for `target` with an already-unwrapped DEK (caller-owned, not modified): binding,
 * commitment, then every value. The caller owns and zeroes the returned plaintext buffers.
 */
export function openWithKey(dek: Uint8Array, spec: OpenableSpec, target: Target): Map<string, Uint8Array> {
  const decoded = decodeSpec(spec);
  checkEnvelopeBinding(decoded.scope, decoded.envelope, target);
  return openDecoded(dek, decoded, target);
}

/**
 * Unwraps the DEK of `envelope` for `binding` and verifies it against the key commitment, so a wrong
 * key is never cached. Checks the clear-text binding first. The caller owns and zeroes the result.
 */
export async function unwrapDek(backend: KeyBackend, envelope: EnvelopeSpec, binding: KeyBinding, options: CallOptions = {}): Promise<Uint8Array> {
  checkFormat("envelope.format", envelope.format);
  const commitment = decodeBase64("envelope.commitment", envelope.commitment, LIMITS.commitmentBytes, LIMITS.commitmentBytes);
  const ciphertext = decodeBase64("envelope.wrappedKey", envelope.wrappedKey, 1, LIMITS.wrappedKeyMaxBytes);
  checkEnvelopeBinding(binding.scope, envelope, binding);
  const wrapped = { kek: { key: envelope.key, version: envelope.keyVersion }, algorithm: envelope.algorithm, ciphertext };
  const dek = await backend.unwrap(wrapped, binding, options.signal);
  try {
    verifyCommitmentBytes(dek, commitment);
  } catch (err) {
    dek.fill(0);
    throw err;
  }
  return dek;
}

/** Validates, checks the binding (no backend call on mismatch), unwraps, verifies and decrypts. */
export async function open(backend: KeyBackend, spec: OpenableSpec, target: Target, options: CallOptions = {}): Promise<Map<string, Uint8Array>> {
  const decoded = decodeSpec(spec);
  checkEnvelopeBinding(decoded.scope, decoded.envelope, target);
  const dek = await unwrapDek(backend, decoded.envelope, bindingFor(decoded.scope, target.namespace, target.name), options);
  try {
    return openDecoded(dek, decoded, target);
  } finally {
    dek.fill(0);
  }
}
