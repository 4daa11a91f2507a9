// The session pool against a fake session source: exclusive use, the size bound, FIFO waiting,
// aborting a wait, dropping sessions after failed PKCS#11 calls, and draining on close.
import { describe, expect, it } from "vitest";
import { KeyMismatchError, ProviderUnavailableError } from "../../errors.ts";
import { CKR, Pkcs11CallError } from "./errors.ts";
import { SessionPool, type SessionSource } from "./session-pool.ts";

class FakeSource implements SessionSource {
  readonly tokenLabel = "fake";
  opened = 0;
  readonly closed: number[] = [];
  released = 0;
  failOpen: Error | undefined;

  openSession(): Buffer {
    if (this.failOpen !== undefined) throw this.failOpen;
    return Buffer.from([++this.opened]);
  }

  closeSession(session: Buffer): void {
    this.closed.push(session[0]!);
  }

  release(): void {
    this.released++;
  }
}

/** A call that stays in flight until released. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("SessionPool", () => {
  it("never lends one session to two calls at once, and opens at most `max`", async () => {
    const source = new FakeSource();
    const pool = new SessionPool(source, 2);
    const inUse = new Set<number>();
    let peak = 0;
    await Promise.all(Array.from({ length: 20 }, (_, i) => pool.use(async (session) => {
      expect(inUse.has(session[0]!)).toBe(false);
      inUse.add(session[0]!);
      peak = Math.max(peak, inUse.size);
      await Promise.resolve(i);
      inUse.delete(session[0]!);
    })));
    expect(source.opened).toBe(2);
    expect(peak).toBe(2);
  });

  it("serves waiters in arrival order", async () => {
    const pool = new SessionPool(new FakeSource(), 1);
    const first = gate();
    const order: number[] = [];
    const holder = pool.use(() => first.promise);
    const waiting = [1, 2, 3].map((n) => pool.use(async () => void order.push(n)));
    first.open();
    await Promise.all([holder, ...waiting]);
    expect(order).toEqual([1, 2, 3]);
  });

  it("stops waiting when the signal aborts, and does not lose the session it would have got", async () => {
    const pool = new SessionPool(new FakeSource(), 1);
    const first = gate();
    const holder = pool.use(() => first.promise);
    const controller = new AbortController();
    const aborted = pool.use(async () => "never", controller.signal);
    controller.abort(new Error("reconcile cancelled"));
    await expect(aborted).rejects.toThrow("reconcile cancelled");
    first.open();
    await holder;
    await expect(pool.use(async (s) => s[0])).resolves.toBe(1);
  });

  it("closes a session after a failed PKCS#11 call, keeps it after an error of its own making", async () => {
    const source = new FakeSource();
    const pool = new SessionPool(source, 1);
    const tokenSaidNo = new KeyMismatchError("did not unwrap", { cause: new Pkcs11CallError("C_UnwrapKey", CKR.GENERAL_ERROR) });
    await expect(pool.use(async () => Promise.reject(tokenSaidNo))).rejects.toBe(tokenSaidNo);
    expect(source.closed).toEqual([1]);
    await expect(pool.use(async () => Promise.reject(new KeyMismatchError("unknown algorithm")))).rejects.toBeInstanceOf(KeyMismatchError);
    expect(source.closed).toEqual([1]);
    await expect(pool.use(async (s) => s[0])).resolves.toBe(2);
  });

  it("hands a waiter a new session when the one it waited for was closed, or the open error", async () => {
    const source = new FakeSource();
    const pool = new SessionPool(source, 1);
    const first = gate();
    const holder = pool.use(async () => {
      await first.promise;
      throw new ProviderUnavailableError("device gone");
    });
    const waiter = pool.use(async (s) => s[0]);
    source.failOpen = new ProviderUnavailableError("token not present");
    first.open();
    await expect(holder).rejects.toThrow("device gone");
    await expect(waiter).rejects.toThrow("token not present");
    source.failOpen = undefined;
    await expect(pool.use(async (s) => s[0])).resolves.toBe(2);
  });

  it("on close: refuses waiters, lets calls in flight finish, closes every session, releases once", async () => {
    const source = new FakeSource();
    const pool = new SessionPool(source, 1);
    const first = gate();
    const holder = pool.use(async () => {
      await first.promise;
      return "done";
    });
    const waiter = pool.use(async () => "never");
    const closing = pool.close();
    await expect(waiter).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(source.released).toBe(0);
    first.open();
    await expect(holder).resolves.toBe("done");
    await closing;
    expect(source.closed).toEqual([1]);
    expect(source.released).toBe(1);
    await expect(pool.use(async () => "late")).rejects.toBeInstanceOf(ProviderUnavailableError);
  });
});
