/**
 * The server's clock: what "now" is for memberships that expire (core/rules/memberships.ts) — the reader
 * of every live doc, the commands it plans, repair — and the timer that removes them when they expire.
 * The server's clock is the one that decides; tests pass a clock they move (test/support/manual-clock.ts).
 */

export interface ServerClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once, about `ms` from now (never keeps the process alive); returns a cancel function. */
  later(fn: () => void, ms: number): () => void;
}

/** setTimeout's longest delay (a longer one fires at once); a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const SYSTEM_CLOCK: ServerClock = {
  now: () => Date.now(),
  later(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    timer.unref();
    return () => clearTimeout(timer);
  },
};
