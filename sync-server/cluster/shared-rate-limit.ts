/**
 * Login rate limits and lock-outs across instances (cluster mode): the same RateLimiter as
 * auth/rate-limit.ts (synchronous, so a reservation over several limiters stays atomic here), whose
 * takes and refunds are also published on `gh:attempts` and counted by every other instance. Windows are
 * aligned to the clock (minute n), so every instance counts the same window; keys are hashed before they
 * leave the process (no emails or IPs in Redis). Counting is as fresh as pub/sub (about a millisecond):
 * a burst spread over instances in that millisecond may pass a few attempts more; Redis down, each
 * instance counts alone, as before cluster mode.
 */
import { createHash } from 'node:crypto';
import type { PasswordAttemptLimits } from '../auth/password-attempts.ts';
import type { RateLimiter } from '../auth/rate-limit.ts';
import type { ClusterNode } from './cluster-node.ts';

const CHANNEL = 'gh:attempts';
const MAX_KEYS = 100_000;
const WINDOW_MS = 60_000;

type Publish = (name: string, key: string, window: number, delta: number) => void;

class SharedRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly name: string,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly publish: Publish,
  ) {}

  private windowOf(now: number): number {
    return Math.floor(now / this.windowMs);
  }

  private wait(now: number): number {
    return Math.max(1, Math.ceil(((this.windowOf(now) + 1) * this.windowMs - now) / 1000));
  }

  private count(hashed: string, now: number): number {
    const w = this.windows.get(hashed);
    return w && w.window === this.windowOf(now) ? w.count : 0;
  }

  /** Adds `delta` to a key's count in `window` (ours or another instance's). */
  add(hashed: string, window: number, delta: number): void {
    if (this.windows.size >= MAX_KEYS) {
      for (const [k, w] of this.windows) if (w.window < window) this.windows.delete(k);
      if (this.windows.size >= MAX_KEYS) this.windows.clear();
    }
    const w = this.windows.get(hashed);
    if (!w || w.window < window) this.windows.set(hashed, { window, count: Math.max(0, delta) });
    else if (w.window === window) w.count = Math.max(0, w.count + delta);
  }

  take(key: string, now = Date.now()): number {
    const hashed = hashKey(key);
    if (this.count(hashed, now) >= this.limit) return this.wait(now);
    this.add(hashed, this.windowOf(now), 1);
    this.publish(this.name, hashed, this.windowOf(now), 1);
    return 0;
  }

  refund(key: string, now = Date.now()): void {
    const hashed = hashKey(key);
    if (this.count(hashed, now) === 0) return;
    this.add(hashed, this.windowOf(now), -1);
    this.publish(this.name, hashed, this.windowOf(now), -1);
  }

  peek(key: string, now = Date.now()): number {
    return this.count(hashKey(key), now) >= this.limit ? this.wait(now) : 0;
  }

  reset(key: string): void {
    this.windows.delete(hashKey(key));
  }
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 22);

/** The password attempt limits of password-attempts.ts, counted across instances. */
export function sharedPasswordAttemptLimits(
  node: ClusterNode,
  perIpPerMinute: number,
  perIpEmailPerMinute: number,
): PasswordAttemptLimits {
  const publish: Publish = (name, key, window, delta) =>
    node.publishMessage(CHANNEL, JSON.stringify({ from: node.instance, name, key, window, delta }));
  const limiters = {
    perIp: new SharedRateLimiter('ip', perIpPerMinute, WINDOW_MS, publish),
    perIpEmail: new SharedRateLimiter('ip-email', perIpEmailPerMinute, WINDOW_MS, publish),
  };
  node.onChannel(CHANNEL, (message) => {
    let m: { from?: unknown; name?: unknown; key?: unknown; window?: unknown; delta?: unknown };
    try {
      m = JSON.parse(message) as typeof m;
    } catch {
      return;
    }
    if (m.from === node.instance || typeof m.key !== 'string') return;
    if (typeof m.window !== 'number' || (m.delta !== 1 && m.delta !== -1)) return;
    const limiter = m.name === 'ip' ? limiters.perIp : m.name === 'ip-email' ? limiters.perIpEmail : null;
    limiter?.add(m.key, m.window, m.delta);
  });
  return limiters;
}
