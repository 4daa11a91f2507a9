// Key separation: the DEK is never used directly. HKDF-SHA256 (RFC 5869) derives one key for the
// values and one for the key commitment, so the commitment reveals nothing usable for decryption.
import { hkdfSync } from "node:crypto";

export const KDF_INFO_DATA_KEY = "envelope.dev/v1 data encryption key";
export const KDF_INFO_COMMITMENT = "envelope.dev/v1 key commitment";
export const DERIVED_KEY_BYTES = 32;

/** HKDF-SHA256 with a salt of 32 zero bytes. The caller owns (and zeroes) the result. */
export function derive(dek: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", dek, new Uint8Array(32), info, DERIVED_KEY_BYTES));
}

/** K_enc: the AES-256-GCM key for every value of one envelope. */
export function deriveDataKey(dek: Uint8Array): Buffer {
  return derive(dek, KDF_INFO_DATA_KEY);
}

/** C: the key commitment stored in envelope.commitment. */
export function deriveCommitment(dek: Uint8Array): Buffer {
  return derive(dek, KDF_INFO_COMMITMENT);
}
