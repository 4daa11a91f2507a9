// The two wrap schemes as PKCS#11 calls. The crypto calls use pkcs11js' async forms (libuv thread pool),
// so a slow HSM never blocks the event loop; object management (C_CreateObject, C_DestroyObject,
// C_GetAttributeValue, C_*Init) exists only in synchronous form and is kept to what each call needs.
//
// AES-KWP (RFC 5649, CKM_AES_KEY_WRAP_PAD) through C_WrapKey/C_UnwrapKey: the DEK enters the token as a
// short-lived session object (never a token object) and is destroyed right after. C_WrapKey is the
// portable way to use a KEK that has only CKA_WRAP/CKA_UNWRAP (the right policy for a KEK); SoftHSM2
// 2.6.1 also refuses KWP for C_EncryptInit (CKR_MECHANISM_INVALID). Unwrapping must hand the DEK to the
// operator, so the unwrapped session object is created non-sensitive and extractable, read, destroyed.
//
// RSA-OAEP through C_Encrypt with the public key / C_Decrypt with the private key; hash and MGF1 hash
// are the same (SHA-1 for "RSA-OAEP", SHA-256 for "RSA-OAEP-256"); no OAEP label.
//
// Neither mechanism takes associated data, so the wrapped DEK is not bound to the object here; the
// envelope's per-value AEAD binds every value to the object, and the key commitment rejects a DEK
// substituted by whoever can write the envelope (docs/security.md).
import { ProviderMisconfiguredError } from "../../errors.ts";
import { call, callAsync, type Handle, type Mechanism, type RsaOaepParams, type Template } from "./api.ts";
import type { TokenConnection } from "./module.ts";

export const AES_KWP = "AES-KWP";
export type OaepHash = "sha1" | "sha256";
export const OAEP_ALGORITHM: Readonly<Record<OaepHash, string>> = { sha1: "RSA-OAEP", sha256: "RSA-OAEP-256" };

/** The OAEP hash an algorithm name stands for; undefined when it is not RSA-OAEP. */
export function oaepHashOf(algorithm: string): OaepHash | undefined {
  return (Object.keys(OAEP_ALGORITHM) as OaepHash[]).find((hash) => OAEP_ALGORITHM[hash] === algorithm);
}

/** RFC 5649: 8-byte integrity block plus the key padded to a multiple of 8. */
export function kwpLength(keyLength: number): number {
  return Math.ceil(keyLength / 8) * 8 + 8;
}

/** PKCS#11 CK_RSA_PKCS_OAEP_PARAMS.source: CKZ_DATA_SPECIFIED (pkcs11js does not export it). */
const CKZ_DATA_SPECIFIED = 1;

/** A view (no copy) of caller bytes for pkcs11js, which reads Buffers only. */
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface RsaKey {
  readonly handle: Handle;
  readonly modulus: Buffer;
}

export class Mechanisms {
  private readonly connection: TokenConnection;

  constructor(connection: TokenConnection) {
    this.connection = connection;
  }

  async aesWrap(session: Handle, kek: Handle, dek: Uint8Array): Promise<Buffer> {
    const { binding: b, api } = this.connection;
    const template = this.secretTemplate([{ type: b.CKA_SENSITIVE, value: true }, { type: b.CKA_VALUE, value: view(dek) }]);
    const object = call(b, "C_CreateObject", () => api.C_CreateObject(session, template));
    try {
      const mechanism: Mechanism = { mechanism: b.CKM_AES_KEY_WRAP_PAD };
      return await callAsync(b, "C_WrapKey", () => api.C_WrapKeyAsync(session, mechanism, kek, object, Buffer.alloc(kwpLength(dek.byteLength))));
    } finally {
      // A failure here breaks the call, and the pool then closes the session, which destroys the object.
      this.destroy(session, object);
    }
  }

  async aesUnwrap(session: Handle, kek: Handle, wrapped: Uint8Array): Promise<Buffer> {
    const { binding: b, api } = this.connection;
    const template = this.secretTemplate([{ type: b.CKA_SENSITIVE, value: false }]);
    const mechanism: Mechanism = { mechanism: b.CKM_AES_KEY_WRAP_PAD };
    const object = await callAsync(b, "C_UnwrapKey", () => api.C_UnwrapKeyAsync(session, mechanism, kek, view(wrapped), template));
    let dek: Buffer | undefined;
    try {
      const [value] = call(b, "C_GetAttributeValue", () => api.C_GetAttributeValue(session, object, [{ type: b.CKA_VALUE }]));
      dek = value?.value;
      this.destroy(session, object);
    } catch (err) {
      dek?.fill(0);
      this.destroyQuietly(session, object);
      throw err;
    }
    if (dek === undefined) throw new ProviderMisconfiguredError("PKCS#11 module returned no CKA_VALUE for an unwrapped data key");
    return dek;
  }

  async rsaEncrypt(session: Handle, key: RsaKey, hash: OaepHash, dek: Uint8Array): Promise<Buffer> {
    const { binding: b, api } = this.connection;
    call(b, "C_EncryptInit", () => api.C_EncryptInit(session, this.oaep(hash), key.handle));
    return callAsync(b, "C_Encrypt", () => api.C_EncryptAsync(session, view(dek), Buffer.alloc(key.modulus.length)));
  }

  async rsaDecrypt(session: Handle, key: RsaKey, hash: OaepHash, ciphertext: Uint8Array): Promise<Buffer> {
    const { binding: b, api } = this.connection;
    call(b, "C_DecryptInit", () => api.C_DecryptInit(session, this.oaep(hash), key.handle));
    // The output buffer must hold a full modulus; only the DEK's bytes leave it, and it is zeroed.
    const out = Buffer.alloc(key.modulus.length);
    try {
      const plain = await callAsync(b, "C_Decrypt", () => api.C_DecryptAsync(session, view(ciphertext), out));
      return Buffer.from(plain);
    } finally {
      out.fill(0);
    }
  }

  private oaep(hash: OaepHash): Mechanism {
    const b = this.connection.binding;
    const parameter: RsaOaepParams = {
      type: b.CK_PARAMS_RSA_OAEP,
      hashAlg: hash === "sha256" ? b.CKM_SHA256 : b.CKM_SHA_1,
      mgf: hash === "sha256" ? b.CKG_MGF1_SHA256 : b.CKG_MGF1_SHA1,
      source: CKZ_DATA_SPECIFIED,
    };
    return { mechanism: b.CKM_RSA_PKCS_OAEP, parameter };
  }

  /** A private, extractable session (not token) generic secret: the DEK's form inside the token. */
  private secretTemplate(extra: Template): Template {
    const b = this.connection.binding;
    return [
      { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
      { type: b.CKA_KEY_TYPE, value: b.CKK_GENERIC_SECRET },
      { type: b.CKA_TOKEN, value: false },
      { type: b.CKA_PRIVATE, value: true },
      { type: b.CKA_EXTRACTABLE, value: true },
      ...extra,
    ];
  }

  private destroy(session: Handle, object: Handle): void {
    const { binding: b, api } = this.connection;
    call(b, "C_DestroyObject", () => api.C_DestroyObject(session, object));
  }

  private destroyQuietly(session: Handle, object: Handle): void {
    try {
      this.destroy(session, object);
    } catch {
      // The call already failed; the pool closes a broken session, and the object goes with it.
    }
  }
}
