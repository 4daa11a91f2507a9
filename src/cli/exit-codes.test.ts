import { describe, expect, it } from "vitest";
import {
  AccessDeniedError,
  BindingMismatchError,
  DecryptFailedError,
  InvalidSpecError,
  KeyMismatchError,
  KeyNotFoundError,
  KeyVersionNotFoundError,
  MalformedEnvelopeError,
  ProviderUnavailableError,
  UnknownProviderError,
  UnsupportedFormatError,
  WrongKeyError,
} from "../errors.ts";
import { BackendNotAvailableError, ConfigFileError, ContextError, EditorError, InputError, NoPublicKeyError, OutputError, ProviderNotConfiguredError, UsageError } from "./errors.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";

describe("exit codes are mapped from error types, never from messages", () => {
  it.each([
    ["a usage error", new UsageError("x"), EXIT.usage],
    ["a config file error", new ConfigFileError("x"), EXIT.usage],
    ["an input error", new InputError("x"), EXIT.input],
    ["an invalid spec", new InvalidSpecError("x"), EXIT.input],
    ["a malformed envelope", new MalformedEnvelopeError("x"), EXIT.input],
    ["an unsupported format", new UnsupportedFormatError("x"), EXIT.input],
    ["a binding mismatch", new BindingMismatchError("x"), EXIT.input],
    ["a failed decryption (tampered value)", new DecryptFailedError("x"), EXIT.input],
    ["a wrong key (commitment mismatch)", new WrongKeyError("x"), EXIT.input],
    ["a wrapped key that is not this key's", new KeyMismatchError("x"), EXIT.input],
    ["an unknown provider", new UnknownProviderError("x"), EXIT.backend],
    ["a provider missing from .envelope.yaml", new ProviderNotConfiguredError("x"), EXIT.backend],
    ["a backend not available in the CLI", new BackendNotAvailableError("x"), EXIT.backend],
    ["a symmetric key asked for its public key", new NoPublicKeyError("x"), EXIT.backend],
    ["a missing key", new KeyNotFoundError("x"), EXIT.backend],
    ["a missing key version", new KeyVersionNotFoundError("x"), EXIT.backend],
    ["denied access", new AccessDeniedError("x"), EXIT.backend],
    ["an unavailable backend", new ProviderUnavailableError("x"), EXIT.backend],
    ["a failed editor", new EditorError("x"), EXIT.failure],
    ["an unwritable output", new OutputError("x"), EXIT.failure],
    ["anything else", new TypeError("usage error"), EXIT.failure],
    ["a non-error", "a string", EXIT.failure],
  ])("%s", (_name, err, code) => {
    expect(exitCodeFor(err)).toBe(code);
  });

  it("looks through the context an error was given", () => {
    const err = new ContextError("db.enc.yaml", new DecryptFailedError('value "password" failed authentication'));
    expect(err.message).toBe('db.enc.yaml: value "password" failed authentication');
    expect(exitCodeFor(err)).toBe(EXIT.input);
    expect(exitCodeFor(new ContextError("a", new ContextError("b", new KeyNotFoundError("x"))))).toBe(EXIT.backend);
  });
});
