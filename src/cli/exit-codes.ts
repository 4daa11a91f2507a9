// The CLI's exit codes: a contract scripts rely on (docs/cli.md, "Exit codes"). Errors are mapped by
// their class and, for the shared OperatorErrors, by their stable `reason`; never by message text.
import type { Reason } from "../api/v1alpha1/conditions.ts";
import { isOperatorError } from "../errors.ts";
import { CliError, ContextError } from "./errors.ts";

export const EXIT = {
  ok: 0,
  /** verify: at least one object failed a check. */
  checkFailed: 1,
  /** Bad flags or arguments, bad .envelope.yaml, no rule matches. */
  usage: 2,
  /** The input cannot be used as it is: malformed, tampered, bound elsewhere, unsupported format. */
  input: 3,
  /** The key backend: provider unknown or not buildable, key or version missing, access denied, outage. */
  backend: 4,
  /** Anything else: the editor failed, the output could not be written, an internal error. */
  failure: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Exhaustive over Reason, so a new reason cannot be added without deciding its exit code. */
const BY_REASON: Readonly<Record<Reason, ExitCode>> = {
  Synced: EXIT.failure,
  Progressing: EXIT.failure,
  RewrapPending: EXIT.failure,
  InvalidSpec: EXIT.input,
  MalformedEnvelope: EXIT.input,
  UnsupportedFormat: EXIT.input,
  BindingMismatch: EXIT.input,
  DecryptFailed: EXIT.input,
  // The unwrapped key does not match the envelope's commitment, or the wrapped key is not this key's:
  // the file cannot be opened as it is (tampered wrap or commitment, or sealed under another key).
  WrongKey: EXIT.input,
  KeyVersionBelowFloor: EXIT.input,
  NotOwned: EXIT.input,
  KeyVersionNotFound: EXIT.backend,
  NamespaceNotAllowed: EXIT.backend,
  UnknownProvider: EXIT.backend,
  ProviderMisconfigured: EXIT.backend,
  ProviderUnavailable: EXIT.backend,
  AccessDenied: EXIT.backend,
  KeyNotFound: EXIT.backend,
  KeyDisabled: EXIT.backend,
  Throttled: EXIT.backend,
  ApiServerError: EXIT.failure,
  InternalError: EXIT.failure,
};

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof ContextError) return exitCodeFor(err.error);
  if (err instanceof CliError) return err.exitCode;
  if (isOperatorError(err)) return BY_REASON[err.reason];
  return EXIT.failure;
}
