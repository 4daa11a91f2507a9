// Errors only the CLI raises. Each carries its exit code (exit-codes.ts); backend-side conditions reuse
// the shared OperatorError classes (subclassed where the CLI needs a more specific type), so one
// mapping covers both. Messages name the flag, file, key or check — never a value, DEK or PIN.
import { ProviderMisconfiguredError, UnknownProviderError } from "../errors.ts";

export abstract class CliError extends Error {
  abstract readonly exitCode: 2 | 3 | 5;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong flags or arguments. Exit 2. */
export class UsageError extends CliError {
  readonly exitCode = 2 as const;
}

/** .envelope.yaml (or --config) is unreadable or invalid, or no rule matches. Exit 2. */
export class ConfigFileError extends CliError {
  readonly exitCode = 2 as const;
}

/** An input file or stream cannot be read or is not what the command expects. Exit 3. */
export class InputError extends CliError {
  readonly exitCode = 3 as const;
}

/** The editor could not be started or exited non-zero. Exit 5. */
export class EditorError extends CliError {
  readonly exitCode = 5 as const;
}

/** An output file could not be written. Exit 5. */
export class OutputError extends CliError {
  readonly exitCode = 5 as const;
}

/** The provider is not declared in .envelope.yaml (cluster lookup is a later feature). Exit 4. */
export class ProviderNotConfiguredError extends UnknownProviderError {}

/** The provider's backend type cannot be built by the CLI yet. Exit 4. */
export class BackendNotAvailableError extends ProviderMisconfiguredError {}

/** The KEK is symmetric: there is no public key to export or seal with. Exit 4. */
export class NoPublicKeyError extends ProviderMisconfiguredError {}

/**
 * Adds where an error happened (a file, a document) without changing what it is: the exit code and
 * the class come from `error`, the message is `context: error message`.
 */
export class ContextError extends Error {
  readonly context: string;
  readonly error: unknown;

  constructor(context: string, error: unknown) {
    super(`${context}: ${messageOf(error)}`, { cause: error });
    this.name = "ContextError";
    this.context = context;
    this.error = error;
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return "internal error";
}

/** Runs `fn`, attributing any error to `context`. */
export async function inContext<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ContextError(context, err);
  }
}
