// Loaded PKCS#11 libraries and token logins, shared by every pkcs11 backend in the process.
//
// Why process-wide state (the deliberate exception to "no module-level state"): a PKCS#11 library is
// process-global. A second C_Initialize of the same library fails with CKR_CRYPTOKI_ALREADY_INITIALIZED,
// C_Finalize by one user ends every other user's sessions, and a login belongs to the application, not
// to a session (it lasts until the application's last session with the token closes). Two
// KeyProviders on one module (or the old and new backend of a KeyProvider being replaced) therefore
// share one initialised library, reference-counted here, and one login per token.
//
// Environment: the module reads its own configuration at C_Initialize (SoftHSM2: SOFTHSM2_CONF), so
// such variables belong in the controller's Pod spec; tests set process.env before the first backend.
// C_Initialize is given CKF_OS_LOCKING_OK because the async calls run on libuv worker threads.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { AccessDeniedError, ProviderMisconfiguredError, ProviderUnavailableError } from "../../errors.ts";
import { call, loadBinding, type Handle, type Pkcs11Api, type Pkcs11Binding } from "./api.ts";
import { CKR, Pkcs11CallError, classifyPkcs11 } from "./errors.ts";
import type { SessionSource } from "./session-pool.ts";

interface TokenState {
  /** Sessions this process opened with the token through here; the login ends when it drops to 0. */
  open: number;
  /** HMAC of the PIN the current login was made with (never the PIN itself). */
  verified: Buffer | undefined;
  /** HMACs of PINs the token rejected: not tried again, so a wrong PIN cannot run down the retry counter. */
  readonly rejected: Set<string>;
}

interface Loaded {
  readonly binding: Pkcs11Binding;
  readonly api: Pkcs11Api;
  readonly ownsInit: boolean;
}

interface Entry {
  refs: number;
  readonly ready: Promise<Loaded>;
}

export interface TokenConfig {
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: string;
}

export class Pkcs11Modules {
  private readonly entries = new Map<string, Entry>();
  /** Per module and token label; outlives a finalized library so rejected PINs stay remembered. */
  private readonly tokens = new Map<string, TokenState>();
  private readonly loadBinding: () => Promise<Pkcs11Binding>;
  private readonly digestKey = randomBytes(32);

  /** `load` is injectable so tests can wrap the binding (fault injection). */
  constructor(load: () => Promise<Pkcs11Binding> = loadBinding) {
    this.loadBinding = load;
  }

  /** Loads and initialises the module if needed; the connection logs in when it opens its first session. */
  async connect(config: TokenConfig): Promise<TokenConnection> {
    let entry = this.entries.get(config.module);
    if (entry === undefined) {
      entry = { refs: 0, ready: this.initialize(config.module) };
      this.entries.set(config.module, entry);
    }
    // Counted before awaiting, so a concurrent release cannot finalize the library under us.
    entry.refs++;
    try {
      const loaded = await entry.ready;
      const pinDigest = createHmac("sha256", this.digestKey).update(config.pin, "utf8").digest();
      return new TokenConnection(loaded, config, { pinDigest, state: this.tokenState(config), onRelease: () => this.release(config.module) });
    } catch (err) {
      this.release(config.module);
      throw err;
    }
  }

  private async initialize(module: string): Promise<Loaded> {
    const binding = await this.loadBinding();
    const api = new binding.PKCS11();
    try {
      api.load(module);
    } catch (err) {
      throw new ProviderMisconfiguredError(`could not load PKCS#11 module "${module}"`, { cause: err });
    }
    let ownsInit = true;
    try {
      call(binding, "C_Initialize", () => api.C_Initialize({ flags: binding.CKF_OS_LOCKING_OK }));
    } catch (err) {
      // Initialised by other code in this process (not through here): use it, never finalize it.
      if (err instanceof Pkcs11CallError && err.code === CKR.CRYPTOKI_ALREADY_INITIALIZED) ownsInit = false;
      else {
        api.close();
        throw err instanceof Pkcs11CallError ? classifyPkcs11(err, `initialisation of module "${module}"`) : err;
      }
    }
    return { binding, api, ownsInit };
  }

  private tokenState(config: TokenConfig): TokenState {
    const key = `${config.module}\u0000${config.tokenLabel}`;
    let state = this.tokens.get(key);
    if (state === undefined) {
      state = { open: 0, verified: undefined, rejected: new Set() };
      this.tokens.set(key, state);
    }
    return state;
  }

  private release(module: string): void {
    const entry = this.entries.get(module);
    if (entry === undefined || --entry.refs > 0) return;
    this.entries.delete(module);
    entry.ready.then(({ api, ownsInit }) => {
      try {
        if (ownsInit) api.C_Finalize();
        api.close();
      } catch {
        // Shutting down: nothing useful to do with a failure to finalize.
      }
    }, () => {});
  }
}

/** The PKCS#11 library of this process: shared by all pkcs11 backends (see the header). */
export const processModules = new Pkcs11Modules();

interface Shared {
  readonly pinDigest: Buffer;
  /** The token's login state in this process, shared with every other connection to it. */
  readonly state: TokenState;
  readonly onRelease: () => void;
}

/** One backend's use of one token: opens logged-in sessions; release() when its sessions are closed. */
export class TokenConnection implements SessionSource {
  readonly binding: Pkcs11Binding;
  readonly api: Pkcs11Api;
  readonly tokenLabel: string;
  private readonly module: string;
  private readonly pin: string;
  private readonly shared: Shared;
  private slot: Handle | undefined;
  private released = false;

  constructor(loaded: Loaded, config: TokenConfig, shared: Shared) {
    this.binding = loaded.binding;
    this.api = loaded.api;
    this.module = config.module;
    this.tokenLabel = config.tokenLabel;
    this.pin = config.pin;
    this.shared = shared;
  }

  /** A new read-only session, logged in as the user. Read-only suffices: DEKs live in session objects. */
  openSession(): Handle {
    const slot = (this.slot ??= this.findSlot());
    const b = this.binding;
    let session: Handle;
    try {
      session = call(b, "C_OpenSession", () => this.api.C_OpenSession(slot, b.CKF_SERIAL_SESSION));
    } catch (err) {
      this.slot = undefined; // the token may have moved to another slot (re-inserted, re-initialised)
      throw err instanceof Pkcs11CallError ? classifyPkcs11(err, `session on token "${this.tokenLabel}"`) : err;
    }
    const { state } = this.shared;
    state.open++;
    try {
      this.login(session, state);
    } catch (err) {
      this.closeSession(session);
      throw err;
    }
    return session;
  }

  closeSession(session: Handle): void {
    try {
      this.api.C_CloseSession(session);
    } catch {
      // Already gone with the token or the device: nothing to close.
    }
    const { state } = this.shared;
    if (--state.open <= 0) {
      state.open = 0;
      state.verified = undefined;
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.shared.onRelease();
  }

  private findSlot(): Handle {
    const b = this.binding;
    const present: string[] = [];
    const matches: Handle[] = [];
    for (const slot of call(b, "C_GetSlotList", () => this.api.C_GetSlotList(true))) {
      // Labels are a blank-padded 32-byte field; some modules pad with NULs instead.
      const label = call(b, "C_GetTokenInfo", () => this.api.C_GetTokenInfo(slot)).label.replace(/[\0 ]+$/, "");
      present.push(JSON.stringify(label));
      if (label === this.tokenLabel) matches.push(slot);
    }
    if (matches.length > 1) throw new ProviderMisconfiguredError(`${matches.length} PKCS#11 tokens are labelled "${this.tokenLabel}" in module "${this.module}"`);
    const [slot] = matches;
    if (slot === undefined) {
      throw new ProviderUnavailableError(`no PKCS#11 token labelled "${this.tokenLabel}" in module "${this.module}" (tokens present: ${present.join(", ") || "none"})`);
    }
    return slot;
  }

  private login(session: Handle, state: TokenState): void {
    const { pinDigest } = this.shared;
    const digestHex = pinDigest.toString("hex");
    if (state.rejected.has(digestHex)) {
      throw new AccessDeniedError(`PKCS#11 token "${this.tokenLabel}" rejected this PIN before (CKR_PIN_INCORRECT); it is not tried again so the token's PIN retry counter is not run down: correct the PIN`);
    }
    const b = this.binding;
    try {
      call(b, "C_Login", () => this.api.C_Login(session, b.CKU_USER, this.pin));
      state.verified = pinDigest;
    } catch (err) {
      if (!(err instanceof Pkcs11CallError)) throw err;
      if (err.code === CKR.USER_ALREADY_LOGGED_IN) return this.checkSharedLogin(state);
      if (err.code === CKR.PIN_INCORRECT) state.rejected.add(digestHex);
      throw classifyPkcs11(err, `login to token "${this.tokenLabel}"`);
    }
  }

  /** Already logged in by another backend in this process: accept only the PIN that login was made with. */
  private checkSharedLogin(state: TokenState): void {
    if (state.verified === undefined || timingSafeEqual(state.verified, this.shared.pinDigest)) return;
    throw new AccessDeniedError(`PKCS#11 token "${this.tokenLabel}" is logged in by another KeyProvider in this process with a different PIN; a token has one user PIN: correct the PIN`);
  }
}
