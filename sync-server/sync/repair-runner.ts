/**
 * After a commit, repair what a merge broke (core's `repair`) as the server's own change. The conflict
 * records it writes name the edits behind each conflict, from the audit log: for each fact repair says
 * made the conflict (a membership, a flag that is on, a name), the newest audited edit of that field —
 * said in repair's words, with its direction — and nothing else. Repair runs only when a committed change
 * touched what repair reads, and never after a repair's own commit.
 */
import {
  type ConflictEdit,
  conflictOps,
  type Op,
  type RepairConflict,
  repair,
  type WorkspaceState,
} from '../../core/index.ts';
import type { Logger } from '../log.ts';
import type { AuditEntity, AuditEntry, AuditStore } from '../storage/audit-store.ts';

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
/** Edits named per conflict (without causes: the recent edits of its entities). */
const EDITS_PER_CONFLICT = 6;
/** Audit entries searched for the edits behind a conflict's causes. */
const ENTRIES_FOR_CAUSES = 200;

const actorOf = (a: AuditEntry) => a.actorName || a.actorEmail || 'unknown';

/**
 * The edits that wrote a conflict's causes: per cause, the newest entry (of `recent`, newest first) that
 * changed one of its fields on its entity; one edit per entry, in time order, each in the causes' words.
 */
export function causingEdits(
  c: Pick<RepairConflict, 'causes'>,
  recent: readonly AuditEntry[],
): ConflictEdit[] {
  const byEntry = new Map<number, { entry: AuditEntry; texts: string[] }>();
  for (const cause of c.causes) {
    const entry = recent.find((a) =>
      a.entities.some((e) => e.id === cause.entityId && e.fields.some((f) => cause.fields.includes(f))),
    );
    if (!entry) continue;
    const hit = byEntry.get(entry.id);
    if (hit) hit.texts.push(cause.text);
    else byEntry.set(entry.id, { entry, texts: [cause.text] });
  }
  return [...byEntry.values()]
    .sort((x, y) => x.entry.at - y.entry.at || x.entry.id - y.entry.id)
    .map(({ entry, texts }) => ({ actor: actorOf(entry), at: entry.at, summary: texts.join('; ') }));
}

export interface RepairDeps {
  readonly workspaceId: string;
  readonly storage: Pick<AuditStore, 'recentAuditFor'>;
  readonly log: Logger;
  /** The server's clock now (memberships expired by then are absent). */
  readonly now?: number;
}

/** The ops that restore the rules in `state` (with its conflict records), or null when none is needed. */
export async function repairOps(
  previous: WorkspaceState,
  state: WorkspaceState,
  deps: RepairDeps,
): Promise<{ readonly ops: readonly Op[]; readonly conflicts: number } | null> {
  let result: ReturnType<typeof repair>;
  try {
    result = repair(state, { previous, now: deps.now ?? Date.now() });
  } catch (err) {
    deps.log.error({ err }, 'repair threw');
    return null;
  }
  if (result.ops.length === 0 && result.conflicts.length === 0) return null;
  const conflicts = await Promise.all(
    result.conflicts.map(async (c) => {
      const since = Date.now() - CONFLICT_LOOKBACK_MS;
      if (c.causes.length > 0) {
        const ids = [...new Set(c.causes.map((x) => x.entityId))];
        const recent = await deps.storage
          .recentAuditFor(deps.workspaceId, ids, since, ENTRIES_FOR_CAUSES)
          .catch(() => []);
        return { ...c, edits: causingEdits(c, recent) };
      }
      const ids = c.entities.map((e) => e.id);
      const recent = await deps.storage
        .recentAuditFor(deps.workspaceId, ids, since, EDITS_PER_CONFLICT)
        .catch(() => []);
      if (recent.length === 0) return c;
      const edits = recent.reverse().map((a) => ({ actor: actorOf(a), at: a.at, summary: a.summary }));
      return { ...c, edits };
    }),
  );
  return { ops: [...result.ops, ...conflictOps(conflicts)], conflicts: conflicts.length };
}
