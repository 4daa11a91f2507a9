// A small pool of logged-in sessions on one token. A PKCS#11 session runs one operation at a time
// (C_EncryptInit … C_Encrypt share its state), so each wrap/unwrap borrows a session exclusively;
// callers beyond `max` wait in FIFO order. A session on which a PKCS#11 call failed is closed instead of
// reused: a module that leaves an operation active after a failure (or a device, session or login
// error) would otherwise poison every later call on it. Errors raised by our own checks keep it.
// close() lets in-flight calls finish (a native call cannot be interrupted, and the library must not
// be finalized under it), then closes every session and releases the token connection.
import { AccessDeniedError, ProviderUnavailableError, isOperatorError } from "../../errors.ts";
import type { Handle } from "./api.ts";
import { Pkcs11CallError } from "./errors.ts";

/** Where sessions come from: a TokenConnection (module.ts), or a fake in tests. */
export interface SessionSource {
  readonly tokenLabel: string;
  /** A new logged-in session (synchronous: pkcs11js has no async C_OpenSession/C_Login). */
  openSession(): Handle;
  closeSession(session: Handle): void;
  /** Called once, after the pool closed its last session. */
  release(): void;
}

interface Waiter {
  resolve(session: Handle): void;
  reject(err: Error): void;
}

/** Errors after which the session itself is suspect: any failed PKCS#11 call, or anything unclassified. */
function breaksSession(err: unknown): boolean {
  if (!isOperatorError(err)) return true;
  return err.cause instanceof Pkcs11CallError || err instanceof ProviderUnavailableError || err instanceof AccessDeniedError;
}

export class SessionPool {
  private readonly connection: SessionSource;
  private readonly max: number;
  private readonly idle: Handle[] = [];
  private readonly waiters: Waiter[] = [];
  private opened = 0;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(connection: SessionSource, max: number) {
    this.connection = connection;
    this.max = Math.max(1, Math.floor(max));
  }

  /** Runs `fn` with a session of its own. An aborted signal stops waiting, not a native call in progress. */
  async use<T>(fn: (session: Handle) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const session = await this.acquire(signal);
    let keep = true;
    try {
      return await fn(session);
    } catch (err) {
      keep = !breaksSession(err);
      throw err;
    } finally {
      this.giveBack(session, keep);
    }
  }

  /** Opens the first session now, so a wrong PIN or a missing token shows when the backend is built. */
  warmUp(): void {
    if (this.opened > 0 || this.closed) return;
    this.opened++;
    try {
      this.idle.push(this.connection.openSession());
    } catch (err) {
      this.opened--;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new ProviderUnavailableError(`PKCS#11 backend for token "${this.connection.tokenLabel}" is closed`));
    for (const session of this.idle.splice(0)) this.discard(session);
    if (this.opened > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.connection.release();
  }

  private acquire(signal: AbortSignal | undefined): Promise<Handle> {
    signal?.throwIfAborted();
    if (this.closed) return Promise.reject(new ProviderUnavailableError(`PKCS#11 backend for token "${this.connection.tokenLabel}" is closed`));
    const session = this.idle.pop();
    if (session !== undefined) return Promise.resolve(session);
    if (this.opened < this.max) return Promise.resolve(this.openNew());
    return new Promise<Handle>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new DOMException("waiting for a PKCS#11 session was aborted", "AbortError"));
      };
      const waiter: Waiter = {
        resolve: (s) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(s);
        },
        reject: (err: Error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Synchronous open + login (pkcs11js has no async form); counted before, uncounted on failure. */
  private openNew(): Handle {
    this.opened++;
    try {
      return this.connection.openSession();
    } catch (err) {
      this.opened--;
      throw err;
    }
  }

  private giveBack(session: Handle, keep: boolean): void {
    if (!keep || this.closed) this.discard(session);
    else this.idle.push(session);
    this.serveWaiters();
    if (this.closed && this.opened === 0) this.drained?.();
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && !this.closed) {
      if (this.idle.length === 0 && this.opened >= this.max) return;
      const idle = this.idle.pop();
      const waiter = this.waiters.shift();
      if (waiter === undefined) return;
      try {
        waiter.resolve(idle ?? this.openNew());
      } catch (err) {
        waiter.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private discard(session: Handle): void {
    this.opened--;
    this.connection.closeSession(session);
  }
}
