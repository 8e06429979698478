/**
 * Removes expired memberships from a live doc (SPEC §11): a timer set for the doc's next membership
 * expiry (core's DocReader says when) runs the removal as the server's own change through the pipeline,
 * audited as `membership.expired`, on SQLite and PostgreSQL alike. Access never waits for it: every read
 * already treats an expired membership as absent (core/rules/memberships.ts); this keeps the doc tidy and
 * the History truthful, and wakes the live views (SSE) at the moment of the expiry.
 */
import type { ExpiredMembership, Op, WorkspaceState } from '../../core/index.ts';
import type { ServerClock } from '../clock.ts';

export const EXPIRED_ACTION = 'membership.expired';

/** The ops removing `expired`, and the History line naming them. */
export function expiryChange(
  state: WorkspaceState,
  expired: readonly ExpiredMembership[],
  now: number,
): { ops: Op[]; summary: string } {
  const ops: Op[] = expired.map((e) => ({
    type: 'member.remove',
    groupId: e.groupId,
    userId: e.userId,
    source: e.source,
    at: now,
  }));
  const named = expired.slice(0, 20).map((e) => {
    const who = state.users.get(e.userId)?.email ?? e.userId;
    const group = state.groups.get(e.groupId)?.name ?? e.groupId;
    const source = e.source === 'manual' ? '' : ` (${e.source})`;
    return `${who} in ${group}${source}, expired ${new Date(e.expiresAt).toISOString()}`;
  });
  if (expired.length > 20) named.push(`and ${expired.length - 20} more`);
  return { ops, summary: `Membership expired: ${named.join('; ')}` };
}

export interface ExpirySweepDeps {
  readonly clock: ServerClock;
  /** The doc's next expiry after its current state (Infinity: none). */
  readonly nextExpiry: () => number;
  /** Removes what has expired by now (in the doc's serial queue). */
  readonly sweep: () => Promise<void>;
  readonly isDestroyed: () => boolean;
}

/** One timer per live doc, always set for its next expiry. */
export class ExpirySweep {
  private cancel: (() => void) | null = null;
  private at = Number.POSITIVE_INFINITY;

  constructor(private readonly deps: ExpirySweepDeps) {}

  /** Sets the timer for the next expiry (after a commit, or a sweep); `now`: sweep at once, then set it. */
  schedule(now = false): void {
    if (this.deps.isDestroyed()) return;
    if (now) {
      void this.deps.sweep().finally(() => this.schedule());
      return;
    }
    const at = this.deps.nextExpiry();
    if (at === this.at && this.cancel) return;
    this.stop();
    if (at === Number.POSITIVE_INFINITY) return;
    this.at = at;
    this.cancel = this.deps.clock.later(() => {
      this.cancel = null;
      this.at = Number.POSITIVE_INFINITY;
      void this.deps.sweep().finally(() => this.schedule());
    }, at - this.deps.clock.now());
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
    this.at = Number.POSITIVE_INFINITY;
  }
}
