/**
 * Fixed-window rate limiter keyed by strings (IP, email). Memory is bounded: windows are swept when they
 * expire and the map is capped.
 */
export interface RateLimiter {
  /** Counts one hit; returns 0 when allowed, otherwise the seconds to wait. */
  hit(key: string, now?: number): number;
  /** The seconds to wait if the key is over its limit now (0 when not), without counting a hit. */
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
  return {
    hit(key, now = Date.now()) {
      sweep(now);
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      return w.count > limit ? Math.max(1, Math.ceil((w.start + windowMs - now) / 1000)) : 0;
    },
    peek(key, now = Date.now()) {
      const w = windows.get(key);
      if (!w || now - w.start >= windowMs || w.count < limit) return 0;
      return Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
