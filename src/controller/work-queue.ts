// A keyed work queue in the style of client-go's: adding a key that is already queued is a no-op
// ("stingy"), a key being processed is never handed to a second worker (it is marked dirty and
// re-queued when done), and failures back off per key exponentially with jitter.
import type { Cancel, Clock } from "./clock.ts";

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5 * 60_000 };

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, Cancel>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;

  constructor(clock: Clock, backoff: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random) {
    this.clock = clock;
    this.backoff = backoff;
    this.random = random;
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.queued.has(key)) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
  }

  /** Adds `key` after `delayMs`, replacing an earlier pending delayed add of the same key. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    this.timers.get(key)?.();
    const cancel = this.clock.schedule(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, cancel);
  }

  /** Re-adds `key` after its next backoff delay and returns that delay. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const exp = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.min(failures - 1, 30));
    const delay = Math.round(exp / 2 + (this.random() * exp) / 2);
    this.addAfter(key, delay);
    return delay;
  }

  /** Forgets the failure history of `key` (after a success or a terminal error). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves with the next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolveKey) => this.waiters.push(resolveKey));
  }

  /** Marks `key` processed; if it was added meanwhile, it goes back on the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stops handing out keys; workers blocked in get() receive undefined. Pending timers are cancelled. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  get inFlight(): number {
    return this.processing.size;
  }
}
