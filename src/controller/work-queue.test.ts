import { describe, expect, it } from "vitest";
import { WorkQueue } from "./work-queue.ts";
import { FakeClock } from "../../test/fakes/fake-clock.ts";

describe("WorkQueue", () => {
  it("hands out a key added several times only once", async () => {
    const q = new WorkQueue(new FakeClock());
    q.add("ns/a");
    q.add("ns/a");
    q.add("ns/b");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("ns/a");
    expect(await q.get()).toBe("ns/b");
  });

  it("never gives a key being processed to a second worker, and re-queues it when done", async () => {
    const q = new WorkQueue(new FakeClock());
    q.add("ns/a");
    const key = await q.get();
    q.add("ns/a");
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("ns/a");
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const q = new WorkQueue(new FakeClock());
    const waiting = q.get();
    q.add("ns/x");
    await expect(waiting).resolves.toBe("ns/x");
  });

  it("backs off exponentially per key, within the jitter band, up to the maximum", () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock, { baseMs: 100, maxMs: 1000 }, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(() => q.addRateLimited("ns/a"))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const low = new WorkQueue(clock, { baseMs: 100, maxMs: 1000 }, () => 0);
    expect(low.addRateLimited("ns/a")).toBe(50);
  });

  it("forgets the failure history after forget()", () => {
    const q = new WorkQueue(new FakeClock(), { baseMs: 100, maxMs: 1000 }, () => 1);
    q.addRateLimited("ns/a");
    q.addRateLimited("ns/a");
    q.forget("ns/a");
    expect(q.failureCount("ns/a")).toBe(0);
    expect(q.addRateLimited("ns/a")).toBe(100);
  });

  it("adds a delayed key when its time comes, and a newer delay replaces the older one", () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock);
    q.addAfter("ns/a", 500);
    q.addAfter("ns/a", 200);
    expect(clock.pending()).toEqual([200]);
    clock.advance(199);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
  });

  it("releases blocked workers with undefined on shutdown and ignores later adds", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock);
    const waiting = q.get();
    q.addAfter("ns/b", 100);
    q.shutDown();
    await expect(waiting).resolves.toBeUndefined();
    q.add("ns/a");
    expect(q.length).toBe(0);
    expect(clock.pending()).toEqual([]);
  });
});
