// AES-256-GCM for one value: 96-bit nonce, 128-bit tag, stored as nonce || ciphertext || tag.
// Decryption releases no plaintext unless the tag verifies (the partial output is zeroed).
import { createCipheriv, createDecipheriv } from "node:crypto";
import { DecryptFailedError } from "../errors.ts";
import { LIMITS } from "./format.ts";
import { quote } from "./fields.ts";

export function encryptValue(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  if (nonce.length !== LIMITS.nonceBytes) throw new RangeError(`nonce must be ${LIMITS.nonceBytes} bytes`);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: LIMITS.tagBytes });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** `stored` has been length-checked by format.ts (at least nonce + tag bytes). */
export function decryptValue(key: Uint8Array, aad: Uint8Array, stored: Uint8Array, keyName: string): Buffer {
  if (stored.length < LIMITS.nonceBytes + LIMITS.tagBytes) throw new RangeError("stored value shorter than nonce and tag");
  const nonce = stored.subarray(0, LIMITS.nonceBytes);
  const body = stored.subarray(LIMITS.nonceBytes, stored.length - LIMITS.tagBytes);
  const tag = stored.subarray(stored.length - LIMITS.tagBytes);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: LIMITS.tagBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(body);
  try {
    decipher.final();
    return plaintext;
  } catch (err) {
    plaintext.fill(0);
    throw new DecryptFailedError(
      `value ${quote(keyName)} failed authentication (tampered, moved from another key/object, or the template changed)`,
      { cause: err },
    );
  }
}
