/**
 * After a commit, repair what a merge broke (core's `repair`) as the server's own change. The conflict
 * records it writes name the recent edits behind each conflict, from the audit log. Repair runs only
 * when a committed change touched what repair reads, and never after a repair's own commit.
 */
import { conflictOps, type Op, repair, type WorkspaceState } from '../../core/index.ts';
import type { Logger } from '../log.ts';
import type { AuditEntity, AuditStore } from '../storage/audit-store.ts';

/**
 * Repair reads groups, users, apps and data sources; a change touching none of them (conflict records,
 * workspace meta) cannot break a rule it restores. `describeChanges` caps its list at 1,000 entities: a
 * capped list is treated as touching everything.
 */
const REPAIR_READS = new Set(['groups', 'users', 'apps', 'dataSources']);
const DESCRIBED_ENTITIES_CAP = 1000;
export function mayNeedRepair(entities: readonly AuditEntity[]): boolean {
  return entities.length >= DESCRIBED_ENTITIES_CAP || entities.some((e) => REPAIR_READS.has(e.collection));
}

/** How far back the audit is searched for the edits behind a conflict. */
const CONFLICT_LOOKBACK_MS = 10 * 60_000;
/** Edits named per conflict. */
const EDITS_PER_CONFLICT = 6;

export interface RepairDeps {
  readonly workspaceId: string;
  readonly storage: Pick<AuditStore, 'recentAuditFor'>;
  readonly log: Logger;
}

/** The ops that restore the rules in `state` (with its conflict records), or null when none is needed. */
export async function repairOps(
  previous: WorkspaceState,
  state: WorkspaceState,
  deps: RepairDeps,
): Promise<{ readonly ops: readonly Op[]; readonly conflicts: number } | null> {
  let result: ReturnType<typeof repair>;
  try {
    result = repair(state, { previous, now: Date.now() });
  } catch (err) {
    deps.log.error({ err }, 'repair threw');
    return null;
  }
  if (result.ops.length === 0 && result.conflicts.length === 0) return null;
  const conflicts = await Promise.all(
    result.conflicts.map(async (c) => {
      const ids = c.entities.map((e) => e.id);
      const recent = await deps.storage
        .recentAuditFor(deps.workspaceId, ids, Date.now() - CONFLICT_LOOKBACK_MS, EDITS_PER_CONFLICT)
        .catch(() => []);
      if (recent.length === 0) return c;
      const edits = recent
        .reverse()
        .map((a) => ({ actor: a.actorName || a.actorEmail || 'unknown', at: a.at, summary: a.summary }));
      return { ...c, edits };
    }),
  );
  return { ops: [...result.ops, ...conflictOps(conflicts)], conflicts: conflicts.length };
}
