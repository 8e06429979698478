/**
 * The one guard on every place a password is checked (sign-in, the existing-account branch of invitation
 * acceptance) or set with a secret link (password reset): an attempt is reserved per IP and per IP+email
 * **before** the hash and refunded when it turns out not to count (right password, or no password
 * checked at all). Ten wrong passwords for one email lock out that email from that IP only; the per-IP
 * limit is high enough for many people behind one proxy.
 */
import { createRateLimiter, type RateLimiter, takeAll } from './rate-limit.ts';

const WINDOW_MS = 60_000; // one minute

export interface PasswordAttemptLimits {
  readonly perIp: RateLimiter;
  readonly perIpEmail: RateLimiter;
}

export function createPasswordAttemptLimits(perIpPerMinute: number, perIpEmailPerMinute: number) {
  return {
    perIp: createRateLimiter(perIpPerMinute, WINDOW_MS),
    perIpEmail: createRateLimiter(perIpEmailPerMinute, WINDOW_MS),
  } satisfies PasswordAttemptLimits;
}

export type Reservation =
  | { readonly ok: true; readonly refund: () => void }
  | { readonly ok: false; readonly retryAfterSeconds: number };

/** Reserves one attempt for `ip` (and `ip`+`email` when given). */
export function reserveAttempt(limits: PasswordAttemptLimits, ip: string, email: string | null): Reservation {
  const entries: [RateLimiter, string][] = [[limits.perIp, ip]];
  if (email !== null) entries.push([limits.perIpEmail, `${ip}\u0000${email.toLowerCase()}`]);
  const wait = takeAll(entries);
  if (wait > 0) return { ok: false, retryAfterSeconds: wait };
  let refunded = false;
  return {
    ok: true,
    refund: () => {
      if (refunded) return;
      refunded = true;
      for (const [l, k] of entries) l.refund(k);
    },
  };
}
