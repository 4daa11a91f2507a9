// PKCS#11 return values (CKR_*) → the operator's typed errors. Classified by the numeric code a
// pkcs11js Pkcs11Error carries and by the call that returned it, never by message text. The codes are
// fixed by the PKCS#11 standard (v2.40 §11 / pkcs11t.h), so this table does not need the native addon.
// Messages name the operation, the key label/version and the token; never a PIN, DEK or key bytes.
import {
  AccessDeniedError,
  KeyMismatchError,
  KeyNotFoundError,
  ProviderMisconfiguredError,
  ProviderUnavailableError,
  type OperatorError,
} from "../../errors.ts";

export const CKR = {
  OK: 0x00,
  HOST_MEMORY: 0x02,
  SLOT_ID_INVALID: 0x03,
  GENERAL_ERROR: 0x05,
  FUNCTION_FAILED: 0x06,
  ARGUMENTS_BAD: 0x07,
  CANT_LOCK: 0x0a,
  ATTRIBUTE_SENSITIVE: 0x11,
  ATTRIBUTE_TYPE_INVALID: 0x12,
  ATTRIBUTE_VALUE_INVALID: 0x13,
  DATA_INVALID: 0x20,
  DATA_LEN_RANGE: 0x21,
  DEVICE_ERROR: 0x30,
  DEVICE_MEMORY: 0x31,
  DEVICE_REMOVED: 0x32,
  ENCRYPTED_DATA_INVALID: 0x40,
  ENCRYPTED_DATA_LEN_RANGE: 0x41,
  FUNCTION_CANCELED: 0x50,
  FUNCTION_NOT_SUPPORTED: 0x54,
  KEY_HANDLE_INVALID: 0x60,
  KEY_SIZE_RANGE: 0x62,
  KEY_TYPE_INCONSISTENT: 0x63,
  KEY_FUNCTION_NOT_PERMITTED: 0x68,
  KEY_UNEXTRACTABLE: 0x6a,
  MECHANISM_INVALID: 0x70,
  MECHANISM_PARAM_INVALID: 0x71,
  OBJECT_HANDLE_INVALID: 0x82,
  OPERATION_ACTIVE: 0x90,
  OPERATION_NOT_INITIALIZED: 0x91,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_COUNT: 0xb1,
  SESSION_HANDLE_INVALID: 0xb3,
  SESSION_READ_ONLY: 0xb5,
  TEMPLATE_INCOMPLETE: 0xd0,
  TEMPLATE_INCONSISTENT: 0xd1,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  UNWRAPPING_KEY_HANDLE_INVALID: 0xf0,
  UNWRAPPING_KEY_SIZE_RANGE: 0xf1,
  UNWRAPPING_KEY_TYPE_INCONSISTENT: 0xf2,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  USER_PIN_NOT_INITIALIZED: 0x102,
  USER_TYPE_INVALID: 0x103,
  USER_ANOTHER_ALREADY_LOGGED_IN: 0x104,
  USER_TOO_MANY_TYPES: 0x105,
  WRAPPED_KEY_INVALID: 0x110,
  WRAPPED_KEY_LEN_RANGE: 0x112,
  WRAPPING_KEY_HANDLE_INVALID: 0x113,
  WRAPPING_KEY_SIZE_RANGE: 0x114,
  WRAPPING_KEY_TYPE_INCONSISTENT: 0x115,
  BUFFER_TOO_SMALL: 0x150,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
  FUNCTION_REJECTED: 0x200,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CKR).map(([name, code]) => [code, `CKR_${name}`]));

export function ckrName(code: number): string {
  return NAMES.get(code) ?? `CKR 0x${code.toString(16).padStart(8, "0")}`;
}

/** A failed PKCS#11 call: which function, and the CKR code it returned. The pkcs11js error is the cause. */
export class Pkcs11CallError extends Error {
  readonly method: string;
  readonly code: number;

  constructor(method: string, code: number, options?: ErrorOptions) {
    super(`${method} returned ${ckrName(code)}`, options);
    this.name = "Pkcs11CallError";
    this.method = method;
    this.code = code;
  }
}

const ACCESS = new Set<number>([
  CKR.PIN_INCORRECT, CKR.PIN_INVALID, CKR.PIN_LEN_RANGE, CKR.PIN_EXPIRED, CKR.PIN_LOCKED, CKR.USER_PIN_NOT_INITIALIZED,
  CKR.USER_NOT_LOGGED_IN, CKR.USER_ANOTHER_ALREADY_LOGGED_IN, CKR.USER_TOO_MANY_TYPES, CKR.FUNCTION_REJECTED,
]);
const KEY_GONE = new Set<number>([CKR.KEY_HANDLE_INVALID, CKR.OBJECT_HANDLE_INVALID, CKR.WRAPPING_KEY_HANDLE_INVALID, CKR.UNWRAPPING_KEY_HANDLE_INVALID]);
/** What a token answers when the ciphertext does not decrypt/unwrap under the key (spec-conformant modules). */
const REJECTED_DATA = new Set<number>([CKR.ENCRYPTED_DATA_INVALID, CKR.ENCRYPTED_DATA_LEN_RANGE, CKR.WRAPPED_KEY_INVALID, CKR.WRAPPED_KEY_LEN_RANGE]);
const MISCONFIGURED = new Set<number>([
  CKR.SLOT_ID_INVALID, CKR.ARGUMENTS_BAD, CKR.ATTRIBUTE_SENSITIVE, CKR.ATTRIBUTE_TYPE_INVALID, CKR.ATTRIBUTE_VALUE_INVALID,
  CKR.DATA_INVALID, CKR.DATA_LEN_RANGE, CKR.FUNCTION_NOT_SUPPORTED, CKR.KEY_SIZE_RANGE, CKR.KEY_TYPE_INCONSISTENT,
  CKR.KEY_FUNCTION_NOT_PERMITTED, CKR.KEY_UNEXTRACTABLE, CKR.MECHANISM_INVALID, CKR.MECHANISM_PARAM_INVALID,
  CKR.SESSION_READ_ONLY, CKR.TEMPLATE_INCOMPLETE, CKR.TEMPLATE_INCONSISTENT, CKR.TOKEN_NOT_RECOGNIZED,
  CKR.UNWRAPPING_KEY_SIZE_RANGE, CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT, CKR.USER_TYPE_INVALID,
  CKR.WRAPPING_KEY_SIZE_RANGE, CKR.WRAPPING_KEY_TYPE_INCONSISTENT,
]);

export function isHandleInvalid(err: unknown): boolean {
  return err instanceof Pkcs11CallError && KEY_GONE.has(err.code);
}

/** True for codes with which a token says "this ciphertext does not unwrap under this key". */
export function isRejectedData(code: number): boolean {
  return REJECTED_DATA.has(code);
}

/** What was being done, for the message: e.g. `wrap with key "app" version 2 on token "prod"`. */
export type CallContext = string;

/**
 * The typed error for a failed call. Rejected ciphertext is classified by the caller (it knows whether
 * the call was the unwrap step); here those codes mean a misconfiguration, e.g. a DEK of a bad length.
 */
export function classifyPkcs11(err: Pkcs11CallError, context: CallContext): OperatorError {
  const message = `PKCS#11 ${context} failed: ${err.message}`;
  const options = { cause: err };
  if (ACCESS.has(err.code)) return new AccessDeniedError(message, options);
  if (KEY_GONE.has(err.code)) return new KeyNotFoundError(message, options);
  if (MISCONFIGURED.has(err.code) || REJECTED_DATA.has(err.code)) return new ProviderMisconfiguredError(message, options);
  // Device, session, memory and unknown codes: the token may answer after a retry.
  return new ProviderUnavailableError(message, options);
}

export function rejectedDataError(err: Pkcs11CallError, kekText: string): KeyMismatchError {
  return new KeyMismatchError(`wrapped data key did not unwrap under PKCS#11 ${kekText} (another key or version, or tampered): ${err.message}`, { cause: err });
}
