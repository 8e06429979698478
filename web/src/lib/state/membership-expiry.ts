/**
 * How a temporary membership reads in the admin app: "expires in 3 days". The app shows the expiry; the
 * server's clock decides access and removes the membership when it ends (core/rules/memberships.ts).
 */
import type { Group } from '../../../../core/index.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** When the user's manual membership of `group` ends (undefined: none, or permanent). */
export function manualExpiry(group: Group, userId: string): number | undefined {
  return group.memberships.get(userId)?.find((m) => m.source === 'manual')?.expiresAt;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "expires in 3 days", "expires in 5 hours", "expired". */
export function expiresInText(at: number, now: number): string {
  const left = at - now;
  if (left <= 0) return 'expired';
  if (left < HOUR_MS) return `expires in ${plural(Math.max(1, Math.round(left / MINUTE_MS)), 'minute')}`;
  if (left < DAY_MS) return `expires in ${plural(Math.round(left / HOUR_MS), 'hour')}`;
  return `expires in ${plural(Math.round(left / DAY_MS), 'day')}`;
}
