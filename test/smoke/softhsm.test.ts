// The testbed's SoftHSM2 token through pkcs11js directly: the native addon is really built, the token
// and its versioned KEKs exist as the pkcs11 backend expects them, and the mechanisms the backend relies
// on behave as the standards say (KWP byte-identical to Node's id-aes256-wrap-pad, OAEP interoperable
// with node:crypto). The last block pins SoftHSM 2.6.1's limits that shaped the backend.
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type * as Pkcs11js from "pkcs11js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireComponent } from "../harness/testbed.ts";

const hsm = requireComponent("pkcs11");
// SoftHSM reads its configuration at C_Initialize: this worker process must point at the run's token.
process.env.SOFTHSM2_CONF = hsm.conf;
const p = createRequire(import.meta.url)("pkcs11js") as typeof Pkcs11js;

type Lib = InstanceType<typeof p.PKCS11>;
const KWP = { mechanism: p.CKM_AES_KEY_WRAP_PAD };
const oaep = (hashAlg: number, mgf: number): Pkcs11js.Mechanism => {
  const parameter: Pkcs11js.RsaOAEP = { type: p.CK_PARAMS_RSA_OAEP, hashAlg, mgf, source: 1 };
  return { mechanism: p.CKM_RSA_PKCS_OAEP, parameter };
};
const OAEP_SHA1 = oaep(p.CKM_SHA_1, p.CKG_MGF1_SHA1);

function find(lib: Lib, session: Buffer, template: Pkcs11js.Template): Buffer[] {
  lib.C_FindObjectsInit(session, template);
  try {
    return lib.C_FindObjects(session, 100);
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

function one(lib: Lib, session: Buffer, cls: number, label: string, id: string): Buffer {
  const handles = find(lib, session, [{ type: p.CKA_CLASS, value: cls }, { type: p.CKA_LABEL, value: label }, { type: p.CKA_ID, value: Buffer.from(id) }]);
  expect(handles).toHaveLength(1);
  return handles[0]!;
}

/** A session (not token) secret key object holding `value`. */
function sessionSecret(lib: Lib, session: Buffer, value: Buffer, keyType: number = p.CKK_GENERIC_SECRET, extra: Pkcs11js.Template = []): Buffer {
  return lib.C_CreateObject(session, [
    { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
    { type: p.CKA_KEY_TYPE, value: keyType },
    { type: p.CKA_TOKEN, value: false },
    { type: p.CKA_EXTRACTABLE, value: true },
    { type: p.CKA_VALUE, value },
    ...extra,
  ]);
}

const unwrapTemplate: Pkcs11js.Template = [
  { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
  { type: p.CKA_KEY_TYPE, value: p.CKK_GENERIC_SECRET },
  { type: p.CKA_TOKEN, value: false },
  { type: p.CKA_SENSITIVE, value: false },
  { type: p.CKA_EXTRACTABLE, value: true },
];

function value(lib: Lib, session: Buffer, handle: Buffer): Buffer {
  return lib.C_GetAttributeValue(session, handle, [{ type: p.CKA_VALUE }])[0]!.value;
}

async function codeOf(fn: () => unknown): Promise<number | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(p.Pkcs11Error);
    return (err as Pkcs11js.Pkcs11Error).code;
  }
}

describe("SoftHSM2 token from the testbed", () => {
  let lib: Lib;
  let session: Buffer;

  beforeAll(() => {
    lib = new p.PKCS11();
    lib.load(hsm.module);
    lib.C_Initialize({ flags: p.CKF_OS_LOCKING_OK });
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === hsm.tokenLabel);
    expect(slot, `token "${hsm.tokenLabel}"`).toBeDefined();
    session = lib.C_OpenSession(slot!, p.CKF_SERIAL_SESSION);
    lib.C_Login(session, p.CKU_USER, hsm.pin);
  });

  afterAll(() => {
    lib?.C_Finalize();
  });

  it("loads the real pkcs11js native addon and the SoftHSM2 module", () => {
    expect(existsSync(hsm.module)).toBe(true);
    expect(typeof p.PKCS11).toBe("function");
    for (const fn of ["C_Initialize", "C_WrapKeyAsync", "C_UnwrapKeyAsync", "C_EncryptAsync", "C_DecryptAsync"] as const) expect(typeof lib[fn]).toBe("function");
    expect(lib.C_GetInfo().manufacturerID.trim()).toBe("SoftHSM");
  });

  it.each(hsm.versions)("holds version %s of the AES KEK: one sensitive, non-extractable AES-256 wrapping key", (version) => {
    const kek = one(lib, session, p.CKO_SECRET_KEY, hsm.aesKeyLabel, version);
    const attrs = lib.C_GetAttributeValue(session, kek, [{ type: p.CKA_VALUE_LEN }, { type: p.CKA_SENSITIVE }, { type: p.CKA_EXTRACTABLE }, { type: p.CKA_WRAP }, { type: p.CKA_UNWRAP }]);
    // CK_ULONG (8 bytes) and CK_BBOOL (1 byte), little-endian on the test machines.
    expect(attrs.map((a) => (a.value.length === 8 ? Number(a.value.readBigUInt64LE()) : a.value.readUInt8()))).toEqual([32, 1, 0, 1, 1]);
  });

  it.each(hsm.versions)("holds version %s of the RSA KEK: a 3072-bit pair (public wraps, private unwraps)", (version) => {
    const publicKey = one(lib, session, p.CKO_PUBLIC_KEY, hsm.rsaKeyLabel, version);
    one(lib, session, p.CKO_PRIVATE_KEY, hsm.rsaKeyLabel, version);
    const [modulus] = lib.C_GetAttributeValue(session, publicKey, [{ type: p.CKA_MODULUS }]);
    expect(modulus!.value.length * 8).toBe(3072);
  });

  it("wraps with CKM_AES_KEY_WRAP_PAD byte-identically to Node's id-aes256-wrap-pad, and unwraps", async () => {
    // A throwaway extractable session key, so Node can compute the same wrap; the real KEKs are not extractable.
    const known = randomBytes(32);
    const kek = sessionSecret(lib, session, known, p.CKK_AES, [{ type: p.CKA_WRAP, value: true }, { type: p.CKA_UNWRAP, value: true }]);
    const dek = randomBytes(32);
    const dekObject = sessionSecret(lib, session, dek);
    const wrapped = await lib.C_WrapKeyAsync(session, KWP, kek, dekObject, Buffer.alloc(64));
    const cipher = createCipheriv("id-aes256-wrap-pad", known, Buffer.from("A65959A6", "hex"));
    expect(wrapped).toEqual(Buffer.concat([cipher.update(dek), cipher.final()]));
    const unwrapped = await lib.C_UnwrapKeyAsync(session, KWP, kek, wrapped, unwrapTemplate);
    expect(value(lib, session, unwrapped)).toEqual(dek);
    for (const handle of [kek, dekObject, unwrapped]) lib.C_DestroyObject(session, handle);
  });

  it("round-trips a DEK through the token's AES KEK with KWP", async () => {
    const kek = one(lib, session, p.CKO_SECRET_KEY, hsm.aesKeyLabel, "1");
    const dek = randomBytes(32);
    const dekObject = sessionSecret(lib, session, dek);
    const wrapped = await lib.C_WrapKeyAsync(session, KWP, kek, dekObject, Buffer.alloc(64));
    expect(wrapped).toHaveLength(40);
    const unwrapped = await lib.C_UnwrapKeyAsync(session, KWP, kek, wrapped, unwrapTemplate);
    expect(value(lib, session, unwrapped)).toEqual(dek);
    for (const handle of [dekObject, unwrapped]) lib.C_DestroyObject(session, handle);
  });

  it("round-trips RSA-OAEP (SHA-1) through the token, and interoperates with node:crypto both ways", async () => {
    const publicKey = one(lib, session, p.CKO_PUBLIC_KEY, hsm.rsaKeyLabel, "1");
    const privateKey = one(lib, session, p.CKO_PRIVATE_KEY, hsm.rsaKeyLabel, "1");
    const [n, e] = lib.C_GetAttributeValue(session, publicKey, [{ type: p.CKA_MODULUS }, { type: p.CKA_PUBLIC_EXPONENT }]);
    const publicPem = createPublicKey({ key: { kty: "RSA", n: n!.value.toString("base64url"), e: e!.value.toString("base64url") }, format: "jwk" });
    const dek = randomBytes(32);

    lib.C_EncryptInit(session, OAEP_SHA1, publicKey);
    const byToken = await lib.C_EncryptAsync(session, dek, Buffer.alloc(384));
    lib.C_DecryptInit(session, OAEP_SHA1, privateKey);
    expect(await lib.C_DecryptAsync(session, byToken, Buffer.alloc(384))).toEqual(dek);

    const offline = publicEncrypt({ key: publicPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, dek);
    lib.C_DecryptInit(session, OAEP_SHA1, privateKey);
    expect(await lib.C_DecryptAsync(session, offline, Buffer.alloc(384))).toEqual(dek);
  });

  describe("SoftHSM 2.6.1 limits the pkcs11 backend is built around", () => {
    it("refuses OAEP with SHA-256 (CKR_ARGUMENTS_BAD): tests configure rsaOaepHash sha1", async () => {
      const publicKey = one(lib, session, p.CKO_PUBLIC_KEY, hsm.rsaKeyLabel, "1");
      expect(await codeOf(() => lib.C_EncryptInit(session, oaep(p.CKM_SHA256, p.CKG_MGF1_SHA256), publicKey))).toBe(p.CKR_ARGUMENTS_BAD);
    });

    it("offers KWP for C_WrapKey only, not C_EncryptInit (CKR_MECHANISM_INVALID)", async () => {
      const kek = one(lib, session, p.CKO_SECRET_KEY, hsm.aesKeyLabel, "1");
      expect(await codeOf(() => lib.C_EncryptInit(session, KWP, kek))).toBe(p.CKR_MECHANISM_INVALID);
    });

    it("answers CKR_GENERAL_ERROR, not CKR_WRAPPED_KEY_INVALID, when KWP unwrap meets another key", async () => {
      const [v1, v2] = hsm.versions.map((v) => one(lib, session, p.CKO_SECRET_KEY, hsm.aesKeyLabel, v));
      const dekObject = sessionSecret(lib, session, randomBytes(32));
      const wrapped = await lib.C_WrapKeyAsync(session, KWP, v1!, dekObject, Buffer.alloc(64));
      lib.C_DestroyObject(session, dekObject);
      expect(await codeOf(() => lib.C_UnwrapKeyAsync(session, KWP, v2!, wrapped, unwrapTemplate))).toBe(p.CKR_GENERAL_ERROR);
    });
  });
});
