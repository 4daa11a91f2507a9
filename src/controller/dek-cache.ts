// In-memory cache of unwrapped data keys, so a resync or restart of a reconcile costs no KMS call.
// Bounded in entries and lifetime; every buffer it drops is zeroed. Callers get copies, which they
// zero themselves, so no caller can corrupt or retain the cached key.
import type { Clock } from "./clock.ts";

interface Entry {
  readonly dek: Buffer;
  readonly expiresAt: number;
}

export interface DekCacheStats {
  hits: number;
  misses: number;
}

export class DekCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  readonly stats: DekCacheStats = { hits: 0, misses: 0 };

  constructor(maxEntries: number, ttlMs: number, clock: Clock) {
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.clock = clock;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A copy of the cached DEK for `id`, or undefined. */
  get(id: string): Buffer | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.expiresAt <= this.clock.now()) {
      if (entry !== undefined) this.drop(id, entry);
      this.stats.misses++;
      return undefined;
    }
    // Refresh the LRU position: Map iteration order is insertion order.
    this.entries.delete(id);
    this.entries.set(id, entry);
    this.stats.hits++;
    return Buffer.from(entry.dek);
  }

  /** Stores a copy of `dek`; the caller keeps ownership of (and zeroes) its own buffer. */
  set(id: string, dek: Uint8Array): void {
    if (this.maxEntries <= 0) return;
    const existing = this.entries.get(id);
    if (existing !== undefined) this.drop(id, existing);
    this.entries.set(id, { dek: Buffer.from(dek), expiresAt: this.clock.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.drop(oldest.value, this.entries.get(oldest.value)!);
    }
  }

  delete(id: string): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) this.drop(id, entry);
  }

  clear(): void {
    for (const [id, entry] of [...this.entries]) this.drop(id, entry);
  }

  private drop(id: string, entry: Entry): void {
    entry.dek.fill(0);
    this.entries.delete(id);
  }
}
