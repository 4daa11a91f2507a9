// OperatorError: every error the operator raises on purpose. The class says what happened, `reason`
// maps it to a status condition reason and a metrics label, and `retry` says whether retrying the
// same input can help ("backoff") or only a change of the input can ("terminal").
// Messages name the object, key or check that failed; they never contain secret values or key bytes.
import type { Reason } from "./api/v1alpha1/conditions.ts";

export type RetryClass = "backoff" | "terminal";

export abstract class OperatorError extends Error {
  abstract readonly reason: Reason;
  abstract readonly retry: RetryClass;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isOperatorError(err: unknown): err is OperatorError {
  return err instanceof OperatorError;
}

// Input and format errors: retrying the same bytes never helps.
export class InvalidSpecError extends OperatorError {
  readonly reason = "InvalidSpec" as const;
  readonly retry = "terminal" as const;
}
export class MalformedEnvelopeError extends OperatorError {
  readonly reason = "MalformedEnvelope" as const;
  readonly retry = "terminal" as const;
}
export class UnsupportedFormatError extends OperatorError {
  readonly reason = "UnsupportedFormat" as const;
  readonly retry = "terminal" as const;
}
export class BindingMismatchError extends OperatorError {
  readonly reason = "BindingMismatch" as const;
  readonly retry = "terminal" as const;
}
/** AEAD authentication failed for a value: tampered ciphertext, wrong key name, wrong type or template. */
export class DecryptFailedError extends OperatorError {
  readonly reason = "DecryptFailed" as const;
  readonly retry = "terminal" as const;
}
/** The unwrapped data key does not match the envelope's key commitment. */
export class WrongKeyError extends OperatorError {
  readonly reason = "WrongKey" as const;
  readonly retry = "terminal" as const;
}
export class KeyVersionBelowFloorError extends OperatorError {
  readonly reason = "KeyVersionBelowFloor" as const;
  readonly retry = "terminal" as const;
}
export class KeyVersionNotFoundError extends OperatorError {
  readonly reason = "KeyVersionNotFound" as const;
  readonly retry = "terminal" as const;
}
export class NamespaceNotAllowedError extends OperatorError {
  readonly reason = "NamespaceNotAllowed" as const;
  readonly retry = "terminal" as const;
}
export class UnknownProviderError extends OperatorError {
  readonly reason = "UnknownProvider" as const;
  readonly retry = "terminal" as const;
}
export class NotOwnedError extends OperatorError {
  readonly reason = "NotOwned" as const;
  readonly retry = "terminal" as const;
}

// Backend errors, raised by src/kms/<backend> after classifying the vendor error by code, never by text.
export class ProviderMisconfiguredError extends OperatorError {
  readonly reason = "ProviderMisconfigured" as const;
  readonly retry = "terminal" as const;
}
export class ProviderUnavailableError extends OperatorError {
  readonly reason = "ProviderUnavailable" as const;
  readonly retry = "backoff" as const;
}
export class AccessDeniedError extends OperatorError {
  readonly reason = "AccessDenied" as const;
  readonly retry = "backoff" as const;
}
export class KeyNotFoundError extends OperatorError {
  readonly reason = "KeyNotFound" as const;
  readonly retry = "terminal" as const;
}
export class KeyDisabledError extends OperatorError {
  readonly reason = "KeyDisabled" as const;
  readonly retry = "terminal" as const;
}
export class ThrottledError extends OperatorError {
  readonly reason = "Throttled" as const;
  readonly retry = "backoff" as const;
  /** Server-suggested delay (Retry-After), when it gave one. */
  retryAfterMs?: number;
}
/** The wrapped key was not produced by this key/version (backend-level "not mine"). */
export class KeyMismatchError extends OperatorError {
  readonly reason = "WrongKey" as const;
  readonly retry = "terminal" as const;
}
