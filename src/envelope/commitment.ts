// Key commitment: AES-GCM is not key-committing, so a substituted DEK could otherwise "decrypt" a
// crafted value. The commitment is checked before any value is decrypted, so a wrong or substituted
// key is reported as such and not as tampered data.
import { timingSafeEqual } from "node:crypto";
import type { EnvelopeSpec } from "../api/v1alpha1/types.ts";
import { WrongKeyError } from "../errors.ts";
import { decodeBase64, LIMITS } from "./format.ts";
import { deriveCommitment } from "./kdf.ts";

const MISMATCH = "data key does not match the envelope's key commitment (wrong or substituted key)";

/** Throws WrongKeyError unless `dek` is a 32-byte key whose commitment equals `expected`. */
export function verifyCommitmentBytes(dek: Uint8Array, expected: Uint8Array): void {
  if (dek.length !== LIMITS.dekBytes) throw new WrongKeyError(`data key is ${dek.length} bytes, expected ${LIMITS.dekBytes} (wrong or substituted key)`);
  const actual = deriveCommitment(dek);
  const equal = actual.length === expected.length && timingSafeEqual(actual, expected);
  if (!equal) throw new WrongKeyError(MISMATCH);
}

/** Checks an unwrapped DEK against envelope.commitment (which is validated first). */
export function verifyCommitment(dek: Uint8Array, envelope: Pick<EnvelopeSpec, "commitment">): void {
  verifyCommitmentBytes(dek, decodeBase64("envelope.commitment", envelope.commitment, LIMITS.commitmentBytes, LIMITS.commitmentBytes));
}
