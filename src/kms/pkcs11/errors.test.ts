// CKR codes → typed errors, by code. The table is the PKCS#11 standard's; it must agree with the
// constants of the pkcs11js build the backend runs on.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  AccessDeniedError,
  KeyNotFoundError,
  ProviderMisconfiguredError,
  ProviderUnavailableError,
  type OperatorError,
} from "../../errors.ts";
import { CKR, Pkcs11CallError, ckrName, classifyPkcs11, isRejectedData } from "./errors.ts";

type ErrorClass = abstract new (...args: never[]) => OperatorError;

describe("PKCS#11 return values", () => {
  it("agree with the constants pkcs11js exports", () => {
    const pkcs11js = createRequire(import.meta.url)("pkcs11js") as Record<string, unknown>;
    for (const [name, code] of Object.entries(CKR)) expect(pkcs11js[`CKR_${name}`], `CKR_${name}`).toBe(code);
  });

  it("are named in messages, unknown ones in hex", () => {
    expect(ckrName(0xa0)).toBe("CKR_PIN_INCORRECT");
    expect(ckrName(0x80000001)).toBe("CKR 0x80000001");
  });

  it.each<[keyof typeof CKR, ErrorClass]>([
    ["PIN_INCORRECT", AccessDeniedError],
    ["PIN_LOCKED", AccessDeniedError],
    ["USER_NOT_LOGGED_IN", AccessDeniedError],
    ["KEY_HANDLE_INVALID", KeyNotFoundError],
    ["OBJECT_HANDLE_INVALID", KeyNotFoundError],
    ["MECHANISM_INVALID", ProviderMisconfiguredError],
    ["ARGUMENTS_BAD", ProviderMisconfiguredError],
    ["KEY_FUNCTION_NOT_PERMITTED", ProviderMisconfiguredError],
    ["DEVICE_ERROR", ProviderUnavailableError],
    ["DEVICE_REMOVED", ProviderUnavailableError],
    ["TOKEN_NOT_PRESENT", ProviderUnavailableError],
    ["SESSION_HANDLE_INVALID", ProviderUnavailableError],
    ["GENERAL_ERROR", ProviderUnavailableError],
  ])("classifies CKR_%s as %o", (name, type) => {
    const err = classifyPkcs11(new Pkcs11CallError("C_WrapKey", CKR[name]), 'wrap with key "k" version 1 on token "t"');
    expect(err).toBeInstanceOf(type);
    expect(err.message).toBe(`PKCS#11 wrap with key "k" version 1 on token "t" failed: C_WrapKey returned CKR_${name}`);
    expect(err.cause).toBeInstanceOf(Pkcs11CallError);
  });

  it("classifies an unknown (vendor) code as unavailable, so it is retried", () => {
    expect(classifyPkcs11(new Pkcs11CallError("C_Decrypt", 0x80000123), "unwrap")).toBeInstanceOf(ProviderUnavailableError);
  });

  it.each(["WRAPPED_KEY_INVALID", "WRAPPED_KEY_LEN_RANGE", "ENCRYPTED_DATA_INVALID", "ENCRYPTED_DATA_LEN_RANGE"] as const)(
    "knows CKR_%s as the token rejecting a ciphertext",
    (name) => expect(isRejectedData(CKR[name])).toBe(true),
  );
});
