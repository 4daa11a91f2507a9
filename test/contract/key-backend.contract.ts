// The behaviour every KeyBackend must show, as one suite each backend's test file registers with its
// own factory and fixtures (local in the unit project; pkcs11, AWS, Azure against the real testbed).
// It checks what the envelope and controller rely on: round trips per version, "not mine" reported as
// KeyMismatchError (so the envelope can tell a wrong key from a failing backend), binding where the
// backend binds, typed errors for tampering and unknown keys, latest = highest version, offline sealing
// with the exported public key, and that neither the DEK nor credentials ever show up in an error.
import { constants, publicEncrypt, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyMismatchError, KeyNotFoundError, KeyVersionNotFoundError, WrongKeyError, isOperatorError } from "../../src/errors.ts";
import type { KekRef, KeyBackend, KeyBinding, WrappedKey } from "../../src/kms/types.ts";

export interface ContractFixtures {
  /** A KEK with at least two versions. */
  readonly key: string;
  /** Two versions of `key`; the second is the highest the backend has. */
  readonly versions: readonly [older: string, newest: string];
  /** A different KEK the backend holds (any kind), for "sealed under another key". */
  readonly otherKek: KekRef;
  /** Whether wrap binds the wrapped DEK to the KeyBinding (AAD, encryption context). */
  readonly bindsToObject: boolean;
  /** Whether `key` is asymmetric, i.e. publicKey() must return its public half. */
  readonly asymmetric: boolean;
  /** Strings that must never appear in any error: PINs, credentials. */
  readonly secrets?: readonly string[];
}

const OAEP_HASH: Readonly<Record<string, string>> = { "RSA-OAEP": "sha1", "RSA-OAEP-256": "sha256" };

const binding: KeyBinding = { scope: "strict", namespace: "team-a", name: "db-credentials" };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof Error)) throw new Error(`expected a rejection with an Error, got ${outcome === undefined ? "success" : typeof outcome}`);
  return outcome;
}

/** Everything an error could show: message, stack, and its cause chain. */
function renderings(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; depth++) {
    parts.push(String(e), e.message, e.stack ?? "", JSON.stringify(e));
    e = e.cause;
  }
  return parts.join("\n");
}

function isNotMine(err: Error): boolean {
  return err instanceof KeyMismatchError || err instanceof WrongKeyError;
}

function flipped(wrapped: WrappedKey, index: number): WrappedKey {
  const ciphertext = Buffer.from(wrapped.ciphertext);
  ciphertext[index] = (ciphertext[index] ?? 0) ^ 0x01;
  return { ...wrapped, ciphertext };
}

export function keyBackendContract(name: string, makeBackend: () => Promise<KeyBackend>, fixtures: ContractFixtures): void {
  const [older, newest] = fixtures.versions;
  const kek = (version: string): KekRef => ({ key: fixtures.key, version });

  describe(`${name}: KeyBackend contract`, () => {
    let backend: KeyBackend;
    /** Errors seen by the tests, with the DEK that was in play, checked for leaks at the end. */
    const seen: { err: Error; dek: Buffer }[] = [];
    const failing = async (promise: Promise<unknown>, dek: Buffer): Promise<Error> => {
      const err = await rejection(promise);
      seen.push({ err, dek });
      return err;
    };

    beforeAll(async () => {
      backend = await makeBackend();
    });
    afterAll(async () => {
      await backend?.close();
    });

    it.each(fixtures.versions)("unwraps what version %s wrapped, to the same DEK", async (version) => {
      const dek = randomBytes(32);
      const wrapped = await backend.wrap(dek, kek(version), binding);
      expect(wrapped.kek).toEqual(kek(version));
      expect(wrapped.algorithm).toMatch(/\S/);
      expect(Buffer.from(wrapped.ciphertext).indexOf(dek)).toBe(-1);
      expect(Buffer.from(await backend.unwrap(wrapped, binding))).toEqual(dek);
    });

    it("leaves the DEK passed to wrap unmodified", async () => {
      const dek = randomBytes(32);
      const copy = Buffer.from(dek);
      await backend.wrap(dek, kek(newest), binding);
      expect(dek).toEqual(copy);
    });

    it("hands out a DEK the caller owns: zeroing one result does not affect the next", async () => {
      const dek = randomBytes(32);
      const wrapped = await backend.wrap(dek, kek(newest), binding);
      const first = await backend.unwrap(wrapped, binding);
      first.fill(0);
      expect(Buffer.from(await backend.unwrap(wrapped, binding))).toEqual(dek);
    });

    it.each([
      ["the older version (sealed under the newest)", () => kek(newest), () => kek(older)],
      ["the newest version (sealed under the older)", () => kek(older), () => kek(newest)],
      ["another key", () => kek(older), () => fixtures.otherKek],
    ])("reports a wrap presented as %s as not its own (KeyMismatchError), not as a failure", async (_case, sealedUnder, presentedAs) => {
      const dek = randomBytes(32);
      const wrapped = await backend.wrap(dek, sealedUnder(), binding);
      const err = await failing(backend.unwrap({ ...wrapped, kek: presentedAs() }, binding), dek);
      expect(isNotMine(err), `${err.name}: ${err.message}`).toBe(true);
    });

    it("reports an algorithm it does not implement as not its own", async () => {
      const dek = randomBytes(32);
      const wrapped = await backend.wrap(dek, kek(newest), binding);
      const err = await failing(backend.unwrap({ ...wrapped, algorithm: "X-UNKNOWN-WRAP" }, binding), dek);
      expect(isNotMine(err), `${err.name}: ${err.message}`).toBe(true);
    });

    const otherBindings: [string, KeyBinding][] = [
      ["another namespace", { ...binding, namespace: "team-b" }],
      ["another name", { ...binding, name: "other" }],
      ["another scope", { scope: "namespace", namespace: binding.namespace, name: "" }],
    ];
    if (fixtures.bindsToObject) {
      it.each(otherBindings)("binds the wrapped DEK to its object: unwrapping for %s fails as not its own", async (_case, other) => {
        const dek = randomBytes(32);
        const wrapped = await backend.wrap(dek, kek(newest), binding);
        const err = await failing(backend.unwrap(wrapped, other), dek);
        expect(isNotMine(err), `${err.name}: ${err.message}`).toBe(true);
      });
    } else {
      it.each(otherBindings)("does not bind (the envelope's AEAD does): unwrapping for %s returns the DEK", async (_case, other) => {
        const dek = randomBytes(32);
        const wrapped = await backend.wrap(dek, kek(newest), binding);
        expect(Buffer.from(await backend.unwrap(wrapped, other))).toEqual(dek);
      });
    }

    it.each(["first", "middle", "last"])("refuses a wrapped key with its %s byte flipped with a typed, terminal error", async (where) => {
      const dek = randomBytes(32);
      const wrapped = await backend.wrap(dek, kek(older), binding);
      const length = wrapped.ciphertext.byteLength;
      const index = where === "first" ? 0 : where === "middle" ? Math.floor(length / 2) : length - 1;
      const err = await failing(backend.unwrap(flipped(wrapped, index), binding), dek);
      expect(isOperatorError(err), `${err.name}: ${err.message}`).toBe(true);
      expect(isOperatorError(err) && err.retry).toBe("terminal");
    });

    it("resolves latest to the highest version", async () => {
      await expect(backend.currentVersion(fixtures.key)).resolves.toBe(newest);
    });

    it("names an unknown key or version with KeyNotFoundError / KeyVersionNotFoundError", async () => {
      const dek = randomBytes(32);
      expect(await failing(backend.currentVersion("no-such-key"), dek)).toBeInstanceOf(KeyNotFoundError);
      expect(await failing(backend.wrap(dek, { key: "no-such-key", version: older }, binding), dek)).toBeInstanceOf(KeyNotFoundError);
      expect(await failing(backend.wrap(dek, kek("999"), binding), dek)).toBeInstanceOf(KeyVersionNotFoundError);
    });

    if (fixtures.asymmetric) {
      it.each(fixtures.versions)("exports the public key of version %s; a DEK sealed offline with it unwraps through the backend", async (version) => {
        const info = await backend.publicKey(kek(version));
        expect(info).toBeDefined();
        const { pem, algorithm } = info!;
        expect(info!.kek).toEqual(kek(version));
        expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
        const oaepHash = OAEP_HASH[algorithm];
        expect(oaepHash, `algorithm ${algorithm}`).toBeDefined();
        const dek = randomBytes(32);
        const ciphertext = publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash! }, dek);
        expect(Buffer.from(await backend.unwrap({ kek: kek(version), algorithm, ciphertext }, binding))).toEqual(dek);
      });
    } else {
      it("has no public key (symmetric KEK)", async () => {
        await expect(backend.publicKey(kek(newest))).resolves.toBeUndefined();
      });
    }

    // Registered last, so it also checks the errors the tests above collected.
    it("never puts the DEK or a credential into an error", async () => {
      const dek = randomBytes(32);
      const wrapped = await backend.wrap(dek, kek(older), binding);
      const errors = await Promise.all([
        rejection(backend.unwrap({ ...wrapped, kek: kek(newest) }, binding)),
        rejection(backend.unwrap(flipped(wrapped, 0), binding)),
        rejection(backend.unwrap({ ...wrapped, algorithm: "X-UNKNOWN-WRAP" }, binding)),
        rejection(backend.wrap(dek, { key: "no-such-key", version: older }, binding)),
        rejection(backend.wrap(dek, kek("999"), binding)),
      ]);
      for (const { err, dek: used } of [...errors.map((err) => ({ err, dek })), ...seen]) {
        const text = renderings(err);
        for (const forbidden of [used.toString("hex"), used.toString("base64"), used.toString("base64url"), ...(fixtures.secrets ?? [])]) {
          expect(text.includes(forbidden), `${err.name} reveals a secret: ${err.message}`).toBe(false);
        }
      }
    });
  });
}
