// A manual clock: time moves only when a test calls advance(), and due callbacks run then, in order.
import type { Cancel, Clock } from "../../src/controller/clock.ts";

interface Timer {
  readonly at: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  private current = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.current;
  }

  schedule(fn: () => void, ms: number): Cancel {
    const timer: Timer = { at: this.current + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Pending delays relative to now, sorted. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.current).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      due.fn();
    }
    this.current = target;
  }
}
