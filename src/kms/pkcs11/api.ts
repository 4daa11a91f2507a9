// The slice of pkcs11js this backend uses, and the one place its errors are caught: every call goes
// through call()/callAsync(), which turns a pkcs11js Pkcs11Error into a Pkcs11CallError naming the
// function (pkcs11js leaves `method` empty for async calls) with the numeric CKR code.
// The addon is imported on first use, so the operator runs without it when no KeyProvider uses PKCS#11.
// pkcs11js types stay inside src/kms/pkcs11/.
import { endianness } from "node:os";
import type * as Pkcs11js from "pkcs11js";
import { ProviderMisconfiguredError } from "../../errors.ts";
import { Pkcs11CallError } from "./errors.ts";

/** The pkcs11js module object: the PKCS11 class, the Pkcs11Error class and the CK* constants. */
export type Pkcs11Binding = typeof Pkcs11js;
export type Pkcs11Api = Pick<
  Pkcs11js.PKCS11,
  | "load" | "close" | "C_Initialize" | "C_Finalize" | "C_GetSlotList" | "C_GetTokenInfo"
  | "C_OpenSession" | "C_CloseSession" | "C_GetSessionInfo" | "C_Login"
  | "C_FindObjectsInit" | "C_FindObjects" | "C_FindObjectsFinal" | "C_GetAttributeValue"
  | "C_CreateObject" | "C_DestroyObject"
  | "C_EncryptInit" | "C_EncryptAsync" | "C_DecryptInit" | "C_DecryptAsync" | "C_WrapKeyAsync" | "C_UnwrapKeyAsync"
>;
export type Handle = Buffer;
export type Template = Pkcs11js.Template;
export type Mechanism = Pkcs11js.Mechanism;
export type RsaOaepParams = Pkcs11js.RsaOAEP;

export async function loadBinding(): Promise<Pkcs11Binding> {
  try {
    const imported = (await import("pkcs11js")) as unknown as { default: Pkcs11Binding };
    return imported.default;
  } catch (err) {
    throw new ProviderMisconfiguredError("the pkcs11js native addon is not available in this build of the operator", { cause: err });
  }
}

function translate(binding: Pkcs11Binding, method: string, err: unknown): unknown {
  return err instanceof binding.Pkcs11Error ? new Pkcs11CallError(method, err.code, { cause: err }) : err;
}

/** A synchronous PKCS#11 call (pkcs11js has no async form of it). */
export function call<T>(binding: Pkcs11Binding, method: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw translate(binding, method, err);
  }
}

/** An asynchronous PKCS#11 call: runs on the libuv thread pool, the event loop stays free. */
export async function callAsync<T>(binding: Pkcs11Binding, method: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translate(binding, method, err);
  }
}

/** CK_ULONG attribute values come back as native-endian bytes (4 or 8 of them). */
export function readUlong(value: Buffer): number {
  const le = endianness() === "LE";
  if (value.length === 8) return Number(le ? value.readBigUInt64LE() : value.readBigUInt64BE());
  if (value.length === 4) return le ? value.readUInt32LE() : value.readUInt32BE();
  throw new ProviderMisconfiguredError(`PKCS#11 module returned a ${value.length}-byte CK_ULONG`);
}
