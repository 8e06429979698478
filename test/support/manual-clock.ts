/**
 * A server clock the test moves (sync-server/clock.ts): `now()` stands still until `advance` or `set`,
 * which fire every timer that has come due, in time order. Pass it as `startServer({ clock })`.
 */
import type { ServerClock } from '../../sync-server/clock.ts';

interface Timer {
  readonly at: number;
  readonly fn: () => void;
}

export class ManualClock implements ServerClock {
  private timers = new Set<Timer>();
  constructor(private t = Date.UTC(2030, 0, 1)) {}

  now(): number {
    return this.t;
  }

  later(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + Math.max(0, ms), fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves the clock to `t` (never back), firing the timers due by then. */
  set(t: number): void {
    this.t = Math.max(this.t, t);
    const due = [...this.timers].filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at);
    for (const x of due) {
      this.timers.delete(x);
      x.fn();
    }
  }

  advance(ms: number): void {
    this.set(this.t + ms);
  }
}
