// The `pkcs11` key backend: KEKs on a PKCS#11 token (HSM), addressed by CKA_LABEL (the key) and CKA_ID
// (the version, see keys.ts). AES KEKs wrap with AES-KWP, RSA KEKs with RSA-OAEP (hash per config);
// unwrap follows the algorithm recorded in the wrapped key, so an envelope sealed offline with either
// OAEP hash unwraps on any token that implements that hash.
//
// The module is loaded once per process (module.ts); it reads its own configuration from the process
// environment at C_Initialize (SoftHSM2: SOFTHSM2_CONF), so set such variables in the Pod spec, or in
// tests in process.env before the first backend is opened. The PIN is given by the caller (read from a
// Secret) and appears in no log and no error.
import { createPublicKey } from "node:crypto";
import { KeyMismatchError, MalformedEnvelopeError, ProviderMisconfiguredError, isOperatorError } from "../../errors.ts";
import type { KekRef, KeyBackend, KeyBinding, PublicKeyInfo, WrappedKey } from "../types.ts";
import { CKR, Pkcs11CallError, classifyPkcs11, isHandleInvalid, isRejectedData, rejectedDataError } from "./errors.ts";
import { KeyDirectory, type Kek } from "./keys.ts";
import { AES_KWP, Mechanisms, OAEP_ALGORITHM, oaepHashOf, type OaepHash, type RsaKey } from "./mechanisms.ts";
import { processModules, type Pkcs11Modules, type TokenConnection } from "./module.ts";
import { SessionPool } from "./session-pool.ts";

export interface Pkcs11BackendConfig {
  /** Absolute path of the PKCS#11 module (.so). */
  readonly module: string;
  /** Token label; the slot is found by it. */
  readonly tokenLabel: string;
  /** User PIN, read by the caller from a Secret. Never logged, never part of an error. */
  readonly pin: string;
  /** OAEP (and MGF1) hash for wrapping with RSA KEKs and for the exported public key. Default sha256;
   * tokens of the SoftHSM class implement only sha1. */
  readonly rsaOaepHash?: OaepHash;
  /** Sessions opened at most (operations in parallel). Default 4, the size of libuv's thread pool. */
  readonly maxSessions?: number;
}

const DEFAULT_MAX_SESSIONS = 4;
/** CK_STATE values of a session with the user logged in (PKCS#11 §5.7). */
const USER_SESSION_STATES = new Set([1, 3]);
/** Codes with which a token refuses an OAEP parameter set it does not implement. */
const UNSUPPORTED_PARAMS = new Set<number>([CKR.ARGUMENTS_BAD, CKR.MECHANISM_INVALID, CKR.MECHANISM_PARAM_INVALID]);

type Scheme = { readonly kind: "aes" } | { readonly kind: "rsa"; readonly hash: OaepHash };

export class Pkcs11Backend implements KeyBackend {
  readonly type = "pkcs11";
  private readonly connection: TokenConnection;
  private readonly pool: SessionPool;
  private readonly keys: KeyDirectory;
  private readonly mechanisms: Mechanisms;
  private readonly hash: OaepHash;

  private constructor(connection: TokenConnection, pool: SessionPool, hash: OaepHash) {
    this.connection = connection;
    this.pool = pool;
    this.keys = new KeyDirectory(connection);
    this.mechanisms = new Mechanisms(connection);
    this.hash = hash;
  }

  /** Loads the module (once per process), finds the token and logs in; a wrong PIN fails here. */
  static async open(config: Pkcs11BackendConfig, modules: Pkcs11Modules = processModules): Promise<Pkcs11Backend> {
    const connection = await modules.connect(config);
    const pool = new SessionPool(connection, config.maxSessions ?? DEFAULT_MAX_SESSIONS);
    try {
      pool.warmUp();
    } catch (err) {
      await pool.close();
      throw err;
    }
    return new Pkcs11Backend(connection, pool, config.rsaOaepHash ?? "sha256");
  }

  /** The binding is not used: neither AES-KWP nor RSA-OAEP takes associated data (see mechanisms.ts). */
  async wrap(dek: Uint8Array, kek: KekRef, _binding: KeyBinding, signal?: AbortSignal): Promise<WrappedKey> {
    return this.pool.use(async (session) => {
      try {
        return await this.withKek(session, kek, async (found) => {
          if (found.kind === "aes") return { kek, algorithm: AES_KWP, ciphertext: await this.mechanisms.aesWrap(session, found.secret, dek) };
          const ciphertext = await this.mechanisms.rsaEncrypt(session, this.rsaHalf(kek, found, "public"), this.hash, dek);
          return { kek, algorithm: OAEP_ALGORITHM[this.hash], ciphertext };
        });
      } catch (err) {
        throw this.classify(err, `wrap with ${this.describe(kek)}`, this.hash);
      }
    }, signal);
  }

  async unwrap(wrapped: WrappedKey, _binding: KeyBinding, signal?: AbortSignal): Promise<Uint8Array> {
    const scheme = schemeOf(wrapped.algorithm);
    return this.pool.use(async (session) => {
      try {
        return await this.withKek(session, wrapped.kek, (found) => this.unwrapWith(session, found, wrapped, scheme));
      } catch (err) {
        if (err instanceof Pkcs11CallError && this.isDataRejection(session, err)) throw rejectedDataError(err, this.describe(wrapped.kek));
        throw this.classify(err, `unwrap (${wrapped.algorithm}) with ${this.describe(wrapped.kek)}`, scheme.kind === "rsa" ? scheme.hash : undefined);
      }
    }, signal);
  }

  async currentVersion(key: string, signal?: AbortSignal): Promise<string> {
    return this.pool.use(async (session) => {
      try {
        const versions = this.keys.versions(session, key);
        return versions[versions.length - 1] ?? "";
      } catch (err) {
        throw this.classify(err, `version lookup of key "${key}" on token "${this.connection.tokenLabel}"`);
      }
    }, signal);
  }

  async publicKey(kek: KekRef, signal?: AbortSignal): Promise<PublicKeyInfo | undefined> {
    const found = await this.pool.use(async (session) => {
      try {
        return await this.withKek(session, kek, async (k) => k);
      } catch (err) {
        throw this.classify(err, `public key lookup of ${this.describe(kek)}`);
      }
    }, signal);
    if (found.kind === "aes") return undefined;
    const jwk = { kty: "RSA", n: unsigned(found.modulus).toString("base64url"), e: unsigned(found.exponent).toString("base64url") };
    const pem = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
    return { kek, pem, algorithm: OAEP_ALGORITHM[this.hash] };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async unwrapWith(session: Buffer, found: Kek, wrapped: WrappedKey, scheme: Scheme): Promise<Buffer> {
    if (scheme.kind === "aes" && found.kind === "aes") {
      const length = wrapped.ciphertext.byteLength;
      if (length < 16 || length % 8 !== 0) throw new MalformedEnvelopeError(`wrapped key is ${length} bytes, not a valid ${AES_KWP} length`);
      return this.mechanisms.aesUnwrap(session, found.secret, wrapped.ciphertext);
    }
    if (scheme.kind === "rsa" && found.kind === "rsa") {
      const key = this.rsaHalf(wrapped.kek, found, "private");
      if (wrapped.ciphertext.byteLength !== key.modulus.length) {
        throw new KeyMismatchError(`wrapped key is ${wrapped.ciphertext.byteLength} bytes; ${this.describe(wrapped.kek)} is a ${key.modulus.length * 8}-bit RSA key`);
      }
      return this.mechanisms.rsaDecrypt(session, key, scheme.hash, wrapped.ciphertext);
    }
    throw new KeyMismatchError(`${this.describe(wrapped.kek)} is an ${found.kind.toUpperCase()} key; it cannot unwrap ${wrapped.algorithm}`);
  }

  /** Resolves the KEK (cached handles) and runs `fn`; a handle the token no longer knows is looked up once more. */
  private async withKek<T>(session: Buffer, kek: KekRef, fn: (found: Kek) => Promise<T>): Promise<T> {
    try {
      return await fn(this.keys.resolve(session, kek));
    } catch (err) {
      if (!isHandleInvalid(err)) throw err;
      this.keys.forget(kek);
      return fn(this.keys.resolve(session, kek));
    }
  }

  private rsaHalf(kek: KekRef, found: Extract<Kek, { kind: "rsa" }>, half: "public" | "private"): RsaKey {
    const handle = half === "public" ? found.publicKey : found.privateKey;
    if (handle === undefined) throw new ProviderMisconfiguredError(`${this.describe(kek)} has no ${half} key object (CKO_${half.toUpperCase()}_KEY)`);
    return { handle, modulus: found.modulus };
  }

  /**
   * The unwrap step said no. Spec-conformant tokens answer CKR_WRAPPED_KEY_INVALID/ENCRYPTED_DATA_INVALID;
   * SoftHSM2 answers CKR_GENERAL_ERROR for a failed KWP integrity check or OAEP decoding. A general error
   * counts as a rejection only while the session is demonstrably healthy (still logged in); otherwise it
   * is the device failing, and is retried.
   */
  private isDataRejection(session: Buffer, err: Pkcs11CallError): boolean {
    if (err.method !== "C_UnwrapKey" && err.method !== "C_Decrypt") return false;
    if (isRejectedData(err.code)) return true;
    if (err.code !== CKR.GENERAL_ERROR) return false;
    try {
      return USER_SESSION_STATES.has(this.connection.api.C_GetSessionInfo(session).state);
    } catch {
      return false;
    }
  }

  private classify(err: unknown, context: string, hash?: OaepHash): unknown {
    if (isOperatorError(err) || !(err instanceof Pkcs11CallError)) return err;
    if (hash !== undefined && (err.method === "C_EncryptInit" || err.method === "C_DecryptInit") && UNSUPPORTED_PARAMS.has(err.code)) {
      return new ProviderMisconfiguredError(
        `PKCS#11 token "${this.connection.tokenLabel}" does not implement ${OAEP_ALGORITHM[hash]} (RSA-OAEP with ${hash.toUpperCase()}): ${err.message}; ` +
          (err.method === "C_EncryptInit" ? "set the KeyProvider's rsaOaepHash to one the token supports" : "this data key can only be unwrapped where that hash is available"),
        { cause: err },
      );
    }
    return classifyPkcs11(err, context);
  }

  private describe(kek: KekRef): string {
    return `key "${kek.key}" version ${kek.version} on token "${this.connection.tokenLabel}"`;
  }
}

function schemeOf(algorithm: string): Scheme {
  if (algorithm === AES_KWP) return { kind: "aes" };
  const hash = oaepHashOf(algorithm);
  if (hash !== undefined) return { kind: "rsa", hash };
  throw new KeyMismatchError(`the pkcs11 backend unwraps ${AES_KWP}, ${OAEP_ALGORITHM.sha1} and ${OAEP_ALGORITHM.sha256}, not "${algorithm}"`);
}

/** Big-endian integer bytes without leading zeros (JWK wants minimal encodings). */
function unsigned(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}
