// The pkcs11 backend on the testbed's real SoftHSM2 token: the shared KeyBackend contract for the AES
// and the RSA KEK, then what is specific to PKCS#11 — login and PIN handling, token and module errors,
// the session pool under load and on close, one library shared by several backends, OAEP hash
// mismatches, and a device error in the middle of a call.
import { constants, publicEncrypt, randomBytes } from "node:crypto";
import type * as Pkcs11js from "pkcs11js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { keyBackendContract } from "../contract/key-backend.contract.ts";
import { requireComponent } from "../harness/testbed.ts";
import { AccessDeniedError, KeyMismatchError, KeyNotFoundError, ProviderMisconfiguredError, ProviderUnavailableError } from "../../src/errors.ts";
import type { KeyBackend, KeyBinding, KekRef } from "../../src/kms/types.ts";
import { CKR, type Pkcs11CallError } from "../../src/kms/pkcs11/errors.ts";
import { Pkcs11Modules } from "../../src/kms/pkcs11/module.ts";
import { Pkcs11Backend, type Pkcs11BackendConfig } from "../../src/kms/pkcs11/pkcs11.ts";

const hsm = requireComponent("pkcs11");
// SoftHSM reads SOFTHSM2_CONF at C_Initialize, in this worker process: set it before any backend opens.
process.env.SOFTHSM2_CONF = hsm.conf;

const config: Pkcs11BackendConfig = { module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin, rsaOaepHash: "sha1" };
const open = (overrides: Partial<Pkcs11BackendConfig> = {}, modules?: Pkcs11Modules): Promise<Pkcs11Backend> =>
  Pkcs11Backend.open({ ...config, ...overrides }, modules);
const binding: KeyBinding = { scope: "namespace", namespace: "team-a", name: "" };
const aes = (version = "2"): KekRef => ({ key: hsm.aesKeyLabel, version });
const rsa = (version = "2"): KekRef => ({ key: hsm.rsaKeyLabel, version });

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof Error)) throw new Error("expected a rejection");
  return err;
}

async function closing<T>(backend: KeyBackend, use: (b: KeyBackend) => Promise<T>): Promise<T> {
  try {
    return await use(backend);
  } finally {
    await backend.close();
  }
}

// First, while no other backend holds a login: the login is per process and token, so these tests see
// the token's own answer to a wrong PIN.
describe("pkcs11 login", () => {
  const wrongPin = `wrong-${randomBytes(6).toString("hex")}`;

  it("refuses a wrong PIN with AccessDeniedError (CKR_PIN_INCORRECT) that does not contain the PIN", async () => {
    const err = await rejection(open({ pin: wrongPin }));
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err.cause as Pkcs11CallError).code).toBe(CKR.PIN_INCORRECT);
    expect(`${err.message}\n${err.stack ?? ""}`).not.toContain(wrongPin);
  });

  it("does not send a rejected PIN to the token again, so it cannot run down the retry counter", async () => {
    const err = await rejection(open({ pin: wrongPin }));
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect(err.cause).toBeUndefined();
    expect(err.message).toContain("rejected this PIN before");
    expect(err.message).not.toContain(wrongPin);
  });

  it("refuses a different PIN while another backend in the process is logged in to the token", async () => {
    await closing(await open(), async () => {
      const other = `other-${randomBytes(6).toString("hex")}`;
      const err = await rejection(open({ pin: other }));
      expect(err).toBeInstanceOf(AccessDeniedError);
      expect(err.message).toContain("different PIN");
      expect(err.message).not.toContain(other);
    });
  });

  it("logs in again after every backend has closed (the login ends with the last session)", async () => {
    await (await open()).close();
    await closing(await open(), async (backend) => {
      await expect(backend.currentVersion(hsm.aesKeyLabel)).resolves.toBe("2");
    });
  });
});

const secrets = [hsm.pin, hsm.soPin];
keyBackendContract("pkcs11 AES KEK (AES-KWP)", () => open(), {
  key: hsm.aesKeyLabel,
  versions: ["1", "2"],
  otherKek: rsa("1"),
  bindsToObject: false,
  asymmetric: false,
  secrets,
});
keyBackendContract("pkcs11 RSA KEK (RSA-OAEP, SHA-1 on SoftHSM)", () => open(), {
  key: hsm.rsaKeyLabel,
  versions: ["1", "2"],
  otherKek: aes("1"),
  bindsToObject: false,
  asymmetric: true,
  secrets,
});

describe("pkcs11 backend", () => {
  it("records the algorithm per KEK kind and OAEP configuration", async () => {
    await closing(await open(), async (backend) => {
      expect((await backend.wrap(randomBytes(32), aes(), binding)).algorithm).toBe("AES-KWP");
      expect((await backend.wrap(randomBytes(32), rsa(), binding)).algorithm).toBe("RSA-OAEP");
      expect((await backend.publicKey(rsa()))?.algorithm).toBe("RSA-OAEP");
    });
  });

  it("names an unknown label with KeyNotFoundError, for every operation", async () => {
    await closing(await open(), async (backend) => {
      const missing = { key: "no-such-label", version: "1" };
      for (const call of [
        backend.currentVersion(missing.key),
        backend.wrap(randomBytes(32), missing, binding),
        backend.unwrap({ kek: missing, algorithm: "AES-KWP", ciphertext: randomBytes(40) }, binding),
        backend.publicKey(missing),
      ]) {
        const err = await rejection(call);
        expect(err).toBeInstanceOf(KeyNotFoundError);
        expect(err.message).toContain('"no-such-label"');
      }
    });
  });

  it("reports a token label that is not present as ProviderUnavailableError naming the tokens present", async () => {
    const err = await rejection(open({ tokenLabel: "no-such-token" }));
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(err.message).toContain(`"${hsm.tokenLabel}"`);
  });

  it("reports a module that cannot be loaded as ProviderMisconfiguredError", async () => {
    const err = await rejection(open({ module: "/nonexistent/libpkcs11.so" }));
    expect(err).toBeInstanceOf(ProviderMisconfiguredError);
    expect(err.message).toContain("/nonexistent/libpkcs11.so");
  });

  it.each([
    ["AES", aes()],
    ["RSA", rsa()],
  ])("runs 50 concurrent wraps and unwraps with the %s KEK through a pool of 4 sessions", async (_kind, kek) => {
    await closing(await open({ maxSessions: 4 }), async (backend) => {
      const deks = Array.from({ length: 50 }, () => randomBytes(32));
      const wrapped = await Promise.all(deks.map((dek) => backend.wrap(dek, kek, binding)));
      const unwrapped = await Promise.all(wrapped.map((w) => backend.unwrap(w, binding)));
      expect(unwrapped.map((d) => Buffer.from(d).toString("hex"))).toEqual(deks.map((d) => d.toString("hex")));
    });
  });

  it("lets in-flight calls finish on close, then refuses new ones", async () => {
    const backend = await open({ maxSessions: 2 });
    const dek = randomBytes(32);
    const wrapped = await backend.wrap(dek, rsa(), binding);
    const settled = Promise.allSettled(Array.from({ length: 6 }, () => backend.unwrap(wrapped, binding)));
    await backend.close();
    for (const result of await settled) {
      // Calls that held or were promised a session complete; the rest are refused as unavailable.
      if (result.status === "fulfilled") expect(Buffer.from(result.value)).toEqual(dek);
      else expect(result.reason).toBeInstanceOf(ProviderUnavailableError);
    }
    expect(await rejection(backend.wrap(dek, rsa(), binding))).toBeInstanceOf(ProviderUnavailableError);
  });

  it("shares one initialised library between backends: closing one leaves the other working", async () => {
    const first = await open();
    await closing(await open(), async (second) => {
      await first.close();
      const dek = randomBytes(32);
      expect(Buffer.from(await second.unwrap(await second.wrap(dek, aes(), binding), binding))).toEqual(dek);
    });
  });

  it("refuses an already aborted call with the signal's reason", async () => {
    await closing(await open(), async (backend) => {
      const controller = new AbortController();
      controller.abort(new Error("reconcile cancelled"));
      await expect(backend.wrap(randomBytes(32), aes(), binding, controller.signal)).rejects.toThrow("reconcile cancelled");
    });
  });

  describe("OAEP hash mismatches (SoftHSM implements only SHA-1)", () => {
    it("says how to fix a KeyProvider configured for SHA-256 on this token", async () => {
      await closing(await open({ rsaOaepHash: "sha256" }), async (backend) => {
        const err = await rejection(backend.wrap(randomBytes(32), rsa(), binding));
        expect(err).toBeInstanceOf(ProviderMisconfiguredError);
        expect(err.message).toContain("does not implement RSA-OAEP-256");
        expect(err.message).toContain("rsaOaepHash");
        // The public key is still exported with the configured algorithm, for offline sealing.
        expect((await backend.publicKey(rsa()))?.algorithm).toBe("RSA-OAEP-256");
      });
    });

    it("unwraps by the recorded algorithm, and explains an RSA-OAEP-256 envelope this token cannot open", async () => {
      await closing(await open({ rsaOaepHash: "sha256" }), async (sha256Backend) => {
        const { pem } = (await sha256Backend.publicKey(rsa("1")))!;
        const dek = randomBytes(32);
        const sha1 = publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, dek);
        expect(Buffer.from(await sha256Backend.unwrap({ kek: rsa("1"), algorithm: "RSA-OAEP", ciphertext: sha1 }, binding))).toEqual(dek);
        const sha256 = publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, dek);
        const err = await rejection(sha256Backend.unwrap({ kek: rsa("1"), algorithm: "RSA-OAEP-256", ciphertext: sha256 }, binding));
        expect(err).toBeInstanceOf(ProviderMisconfiguredError);
        expect(err.message).toContain("does not implement RSA-OAEP-256");
      });
    });
  });

  describe("token failures (injected into the real module's calls)", () => {
    /** Method → CKR code its next call fails with, the way pkcs11js reports it. */
    const faults = new Map<string, number>();
    const faulty = new Pkcs11Modules(async () => {
      const real = (await import("pkcs11js")).default;
      function FaultyPKCS11(): Pkcs11js.PKCS11 {
        return new Proxy(new real.PKCS11(), {
          get(target, prop, receiver) {
            const code = typeof prop === "string" ? faults.get(prop) : undefined;
            if (code !== undefined && typeof prop === "string") {
              faults.delete(prop);
              const err = new real.Pkcs11Error(`CKR_INJECTED:${code}`, code, prop);
              return prop.endsWith("Async") ? () => Promise.reject(err) : () => { throw err; };
            }
            const value: unknown = Reflect.get(target, prop, receiver);
            return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        });
      }
      return { ...real, PKCS11: FaultyPKCS11 as unknown as typeof real.PKCS11 };
    });
    let backend: Pkcs11Backend;
    beforeAll(async () => {
      backend = await open({ maxSessions: 1 }, faulty);
    });
    afterAll(async () => {
      faults.clear();
      await backend?.close();
    });
    afterEach(() => faults.clear());

    const roundTrip = async (kek: KekRef): Promise<void> => {
      const dek = randomBytes(32);
      expect(Buffer.from(await backend.unwrap(await backend.wrap(dek, kek, binding), binding))).toEqual(dek);
    };

    it("maps a device error to ProviderUnavailableError (retried) and continues on a fresh session", async () => {
      faults.set("C_WrapKeyAsync", CKR.DEVICE_ERROR);
      const err = await rejection(backend.wrap(randomBytes(32), aes(), binding));
      expect(err).toBeInstanceOf(ProviderUnavailableError);
      expect(err.message).toContain("C_WrapKey returned CKR_DEVICE_ERROR");
      await roundTrip(aes());
    });

    it("treats CKR_GENERAL_ERROR from unwrap as a device failure when the session is no longer healthy", async () => {
      const wrapped = await backend.wrap(randomBytes(32), aes(), binding);
      faults.set("C_UnwrapKeyAsync", CKR.GENERAL_ERROR);
      faults.set("C_GetSessionInfo", CKR.DEVICE_REMOVED);
      expect(await rejection(backend.unwrap(wrapped, binding))).toBeInstanceOf(ProviderUnavailableError);
      await roundTrip(aes());
    });

    it("takes a spec-conformant CKR_ENCRYPTED_DATA_INVALID from C_Decrypt as not its own", async () => {
      const wrapped = await backend.wrap(randomBytes(32), rsa(), binding);
      faults.set("C_DecryptAsync", CKR.ENCRYPTED_DATA_INVALID);
      expect(await rejection(backend.unwrap(wrapped, binding))).toBeInstanceOf(KeyMismatchError);
      await roundTrip(rsa());
    });

    it("looks a key up again when the token no longer knows its cached handle", async () => {
      await roundTrip(aes());
      faults.set("C_WrapKeyAsync", CKR.KEY_HANDLE_INVALID);
      await roundTrip(aes());
      expect(faults.size).toBe(0);
    });
  });
});
