import { describe, expect, it } from "vitest";
import { DekCache } from "./dek-cache.ts";
import { FakeClock } from "../../test/fakes/fake-clock.ts";

const key = (b: number): Buffer => Buffer.alloc(32, b);

describe("DekCache", () => {
  it("returns a copy, so zeroing what the caller got leaves the cached key intact", () => {
    const cache = new DekCache(10, 1000, new FakeClock());
    cache.set("a", key(7));
    const got = cache.get("a")!;
    got.fill(0);
    expect(cache.get("a")).toEqual(key(7));
  });

  it("keeps its own copy, so the caller may zero the buffer it stored", () => {
    const cache = new DekCache(10, 1000, new FakeClock());
    const dek = key(9);
    cache.set("a", dek);
    dek.fill(0);
    expect(cache.get("a")).toEqual(key(9));
  });

  it("expires entries after the TTL", () => {
    const clock = new FakeClock();
    const cache = new DekCache(10, 1000, clock);
    cache.set("a", key(1));
    clock.advance(999);
    expect(cache.get("a")).toBeDefined();
    clock.advance(1);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("evicts the least recently used entry beyond its size and zeroes it", () => {
    const cache = new DekCache(2, 1000, new FakeClock());
    cache.set("a", key(1));
    cache.set("b", key(2));
    cache.get("a");
    cache.set("c", key(3));
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toEqual(key(1));
    expect(cache.get("c")).toEqual(key(3));
  });

  it("zeroes every buffer it drops", () => {
    const cache = new DekCache(1, 1000, new FakeClock());
    cache.set("a", key(1));
    // Reach the stored buffer through the entries map, as only a test may.
    const stored = (cache as unknown as { entries: Map<string, { dek: Buffer }> }).entries.get("a")!.dek;
    cache.set("b", key(2));
    expect(stored.every((b) => b === 0)).toBe(true);
    const second = (cache as unknown as { entries: Map<string, { dek: Buffer }> }).entries.get("b")!.dek;
    cache.clear();
    expect(second.every((b) => b === 0)).toBe(true);
  });

  it("counts hits and misses", () => {
    const cache = new DekCache(2, 1000, new FakeClock());
    cache.get("x");
    cache.set("x", key(1));
    cache.get("x");
    expect(cache.stats).toEqual({ hits: 1, misses: 1 });
  });
});
