// Sealing: a fresh DEK per seal, every value encrypted under a key derived from it, bound to its
// target, template and key set; then the DEK is wrapped by the KEK and zeroed. sealWithKey is the
// pure, synchronous core (test vectors drive it with a fixed DEK and nonces).
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { ENVELOPE_FORMAT_V1, LATEST_VERSION } from "../api/v1alpha1/constants.ts";
import type { EnvelopeSpec } from "../api/v1alpha1/types.ts";
import { InvalidSpecError } from "../errors.ts";
import type { KekRef, KeyBackend, WrappedKey } from "../kms/types.ts";
import { encryptValue } from "./aead.ts";
import { aadContext, bindingFor, buildAad } from "./binding.ts";
import { nonEmptyString } from "./fields.ts";
import { encodeWrappedKey, LIMITS, validateSealInput, type ValidatedSealInput } from "./format.ts";
import { deriveCommitment, deriveDataKey } from "./kdf.ts";
import { parseTemplate } from "./template.ts";
import type { EnvelopeFields, RandomBytes, SealedSpec, SealedValues, SealInput, SealOptions } from "./types.ts";

function randomSource(options: SealOptions): RandomBytes {
  return options.randomBytes ?? nodeRandomBytes;
}

function fresh(random: RandomBytes, size: number, what: string): Uint8Array {
  const bytes = random(size);
  if (bytes.length !== size) throw new RangeError(`randomBytes returned ${bytes.length} bytes for a ${size}-byte ${what}`);
  return bytes;
}

/** A fresh 32-byte DEK. The caller zeroes it. */
export function generateDek(options: SealOptions): Uint8Array {
  return fresh(randomSource(options), LIMITS.dekBytes, "data key");
}

function envelopeFields(input: ValidatedSealInput, dek: Uint8Array): EnvelopeFields {
  const fields: EnvelopeFields = { format: ENVELOPE_FORMAT_V1, commitment: deriveCommitment(dek).toString("base64") };
  if (input.scope !== "cluster") fields.namespace = input.namespace;
  if (input.scope === "strict") fields.name = input.name;
  return fields;
}

/** Encrypts every value under `dek` (32 bytes, caller-owned, not modified). Nonces are drawn in key order. */
export function sealWithKey(dek: Uint8Array, input: SealInput, options: SealOptions = {}): SealedValues {
  if (dek.length !== LIMITS.dekBytes) throw new RangeError(`data key must be ${LIMITS.dekBytes} bytes`);
  const valid = validateSealInput(input);
  const random = randomSource(options);
  const context = aadContext(bindingFor(valid.scope, valid.namespace, valid.name), valid.template, valid.entries.map(([k]) => k));
  const key = deriveDataKey(dek);
  try {
    const stored = valid.entries.map(([name, plaintext]) => {
      const nonce = fresh(random, LIMITS.nonceBytes, "nonce");
      return [name, encryptValue(key, nonce, buildAad(context, name), plaintext).toString("base64")] as const;
    });
    return { envelopeFields: envelopeFields(valid, dek), encryptedData: Object.fromEntries(stored) };
  } finally {
    key.fill(0);
  }
}

/** An envelope records the version that wrapped it; "latest" would change meaning over time. */
function concreteVersion(version: string): string {
  if (version === LATEST_VERSION) throw new InvalidSpecError(`envelope.keyVersion: must be a concrete version, not "${LATEST_VERSION}"`);
  return nonEmptyString("envelope.keyVersion", version, InvalidSpecError);
}

/** Combines the sealed values with a wrapped DEK into the spec fields a caller writes out. */
export function assembleSpec(input: SealInput, sealed: SealedValues, wrapped: WrappedKey): SealedSpec {
  const envelope: EnvelopeSpec = {
    ...sealed.envelopeFields,
    key: nonEmptyString("envelope.key", wrapped.kek.key, InvalidSpecError),
    keyVersion: concreteVersion(wrapped.kek.version),
    algorithm: nonEmptyString("envelope.algorithm", wrapped.algorithm, InvalidSpecError),
    wrappedKey: encodeWrappedKey(wrapped.ciphertext),
  };
  const spec: SealedSpec = { scope: input.scope, envelope, encryptedData: sealed.encryptedData };
  // The validated copy: exactly what the digest covered, nothing the caller can still mutate.
  const template = parseTemplate("template", input.template);
  if (template !== undefined) spec.template = template;
  return spec;
}

/**
 * Seals with a fresh DEK (from options.randomBytes) wrapped by `kek` in `backend`. The DEK is zeroed
 * before this returns or throws.
 */
export async function seal(backend: KeyBackend, kek: KekRef, input: SealInput, options: SealOptions = {}): Promise<SealedSpec> {
  const dek = generateDek(options);
  try {
    const sealed = sealWithKey(dek, input, options);
    const binding = bindingFor(input.scope, input.namespace ?? "", input.name ?? "");
    const wrapped = await backend.wrap(dek, kek, binding, options.signal);
    return assembleSpec(input, sealed, wrapped);
  } finally {
    dek.fill(0);
  }
}
