/**
 * Fixed-window rate limiter keyed by strings (IP, IP+email). Memory is bounded: windows are swept when they
 * expire and the map is capped.
 *
 * Attempts are *taken* before the expensive work they guard (a password hash) and *refunded* when they
 * turn out not to count (a correct password): concurrent requests can never all pass a peek and then be
 * counted after the fact.
 */
export interface RateLimiter {
  /** Takes one attempt when the key is under its limit: 0 when taken, else the seconds to wait (nothing taken). */
  take(key: string, now?: number): number;
  /** Gives back one attempt taken in the current window (no-op once the window has passed). */
  refund(key: string, now?: number): void;
  /** The seconds to wait if the key is at its limit now (0 when not), without taking anything. */
  peek(key: string, now?: number): number;
  reset(key: string): void;
}

const MAX_KEYS = 100_000;

export function createRateLimiter(limit: number, windowMs: number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;
  const sweep = (now: number) => {
    if (now - lastSweep < windowMs && windows.size < MAX_KEYS) return;
    lastSweep = now;
    for (const [k, w] of windows) if (now - w.start >= windowMs) windows.delete(k);
    if (windows.size >= MAX_KEYS) windows.clear();
  };
  const current = (key: string, now: number) => {
    const w = windows.get(key);
    return w && now - w.start < windowMs ? w : null;
  };
  const wait = (w: { start: number }, now: number) =>
    Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
  return {
    take(key, now = Date.now()) {
      sweep(now);
      let w = current(key, now);
      if (w && w.count >= limit) return wait(w, now);
      if (!w) {
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      return 0;
    },
    refund(key, now = Date.now()) {
      const w = current(key, now);
      if (w && w.count > 0) w.count--;
    },
    peek(key, now = Date.now()) {
      const w = current(key, now);
      return w && w.count >= limit ? wait(w, now) : 0;
    },
    reset(key) {
      windows.delete(key);
    },
  };
}

/** Several limiters that must all have room: all are taken, or none (synchronous, so atomic). */
export function takeAll(entries: readonly (readonly [RateLimiter, string])[], now = Date.now()): number {
  const wait = Math.max(0, ...entries.map(([l, k]) => l.peek(k, now)));
  if (wait > 0) return wait;
  for (const [l, k] of entries) l.take(k, now);
  return 0;
}
