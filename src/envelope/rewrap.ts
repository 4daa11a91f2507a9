// Rewrap: moves an envelope's DEK to another KEK (version) without touching the values or the
// commitment. The new wrap is unwrapped again and checked against the commitment before it is
// returned, so a faulty backend can never replace a good envelope with an unopenable one.
import type { EnvelopeSpec } from "../api/v1alpha1/types.ts";
import type { KekRef, KeyBackend, KeyBinding, WrappedKey } from "../kms/types.ts";
import { checkEnvelopeBinding } from "./binding.ts";
import { checkFormat, decodeBase64, encodeWrappedKey, LIMITS } from "./format.ts";
import { unwrapDek } from "./open.ts";
import type { CallOptions } from "./types.ts";

function withWrap(envelope: EnvelopeSpec, wrapped: WrappedKey): EnvelopeSpec {
  return {
    ...envelope,
    key: wrapped.kek.key,
    keyVersion: wrapped.kek.version,
    algorithm: wrapped.algorithm,
    wrappedKey: encodeWrappedKey(wrapped.ciphertext),
  };
}

async function wrapAgain(backend: KeyBackend, envelope: EnvelopeSpec, toKek: KekRef, binding: KeyBinding, options: CallOptions): Promise<WrappedKey> {
  if (backend.rewrap !== undefined) {
    const ciphertext = decodeBase64("envelope.wrappedKey", envelope.wrappedKey, 1, LIMITS.wrappedKeyMaxBytes);
    const current = { kek: { key: envelope.key, version: envelope.keyVersion }, algorithm: envelope.algorithm, ciphertext };
    return backend.rewrap(current, toKek, binding, options.signal);
  }
  const dek = await unwrapDek(backend, envelope, binding, options);
  try {
    return await backend.wrap(dek, toKek, binding, options.signal);
  } finally {
    dek.fill(0);
  }
}

/**
 * Returns `envelope` with its DEK wrapped under `toKek`: key, keyVersion, algorithm and wrappedKey
 * change; format, commitment, namespace and name do not. Every DEK it sees is zeroed.
 */
export async function rewrapEnvelope(backend: KeyBackend, envelope: EnvelopeSpec, toKek: KekRef, binding: KeyBinding, options: CallOptions = {}): Promise<EnvelopeSpec> {
  checkFormat("envelope.format", envelope.format);
  decodeBase64("envelope.commitment", envelope.commitment, LIMITS.commitmentBytes, LIMITS.commitmentBytes);
  checkEnvelopeBinding(binding.scope, envelope, binding);
  const rewrapped = withWrap(envelope, await wrapAgain(backend, envelope, toKek, binding, options));
  // Prove the new wrap opens to the same DEK before anyone stores it: unwrapDek checks it against the
  // commitment, which the rewrap left unchanged.
  const dek = await unwrapDek(backend, rewrapped, binding, options);
  dek.fill(0);
  return rewrapped;
}
