/**
 * The causes of history rows in a reply, found here on the server's thread. A diff row's: the latest
 * entry of the window naming its user, one of the groups the worker says can give them access, or its
 * resource — from the window's audit refs (storage/audit-store.ts `AuditRef`), read while the worker
 * computes the rows. A timeline event's: the entry committed with it (the refs at the events' times).
 * Then the few entries named are read in full and each row gets its cause as the API shows it.
 */
import { history } from '../../core/index.ts';
import {
  type AuditEntry,
  type AuditRef,
  type AuditRefColumns,
  type AuditStore,
  forEachRefEntity,
} from '../storage/audit-store.ts';
import { iso } from './history-jobs.ts';

export interface CauseJson {
  readonly auditId: number;
  readonly at: string;
  readonly actor: { readonly id: string; readonly email: string | null; readonly name: string | null } | null;
  readonly action: string;
  readonly summary: string;
}

const causeJson = (e: AuditEntry): CauseJson => ({
  auditId: e.id,
  at: iso(e.at),
  actor: e.actorId ? { id: e.actorId, email: e.actorEmail, name: e.actorName } : null,
  action: e.action,
  summary: e.summary,
});

/** The rows with each audit id replaced by that entry (null: no cause, or an entry since removed). */
export async function withCauses<T extends { readonly cause: number | null }>(
  store: Pick<AuditStore, 'auditEntriesByIds'>,
  workspaceId: string,
  rows: readonly T[],
): Promise<(Omit<T, 'cause'> & { cause: CauseJson | null })[]> {
  const ids = [...new Set(rows.map((r) => r.cause).filter((id): id is number => id !== null))];
  const byId = new Map<number, CauseJson>();
  for (const e of await store.auditEntriesByIds(workspaceId, ids)) byId.set(e.id, causeJson(e));
  return rows.map((r) => ({ ...r, cause: r.cause === null ? null : (byId.get(r.cause) ?? null) }));
}

/** The audit entry committed with an update (same time; one naming one of `ids` first), as its id. */
function causeAt(refs: readonly AuditRef[], at: number, ids: readonly string[]): number | null {
  let found: number | null = null;
  for (const r of refs) {
    if (r.at !== at) continue;
    if (ids.some((id) => r.keys.includes(` ${id} `))) return r.id;
    found ??= r.id;
  }
  return found;
}

/** Timeline events with their causes: each event's `cause` names its time and the entities to prefer. */
export async function withTimelineCauses<
  T extends { readonly cause: { readonly at: number; readonly ids: readonly string[] } },
>(store: Pick<AuditStore, 'auditRefsAt' | 'auditEntriesByIds'>, workspaceId: string, events: readonly T[]) {
  const refs = await store.auditRefsAt(workspaceId, [...new Set(events.map((e) => e.cause.at))]);
  const byAt = new Map<number, AuditRef[]>();
  for (const r of refs) {
    const at = byAt.get(r.at);
    if (at) at.push(r);
    else byAt.set(r.at, [r]);
  }
  const named = events.map((e) => ({
    ...e,
    cause: causeAt(byAt.get(e.cause.at) ?? [], e.cause.at, e.cause.ids),
  }));
  return withCauses(store, workspaceId, named);
}

/** The latest audit entry naming each entity, from a window's refs. */
export function latestTouches(refs: AuditRefColumns): history.LatestTouches {
  const latest = new history.LatestTouches();
  forEachRefEntity(refs, (collection, id, auditId) => latest.add(collection, id, auditId));
  return latest;
}

/** A diff's rows with their causes: the latest entry of the window naming the user, one of `groupsOf`'s groups, or the resource. */
export async function diffCauses<
  T extends { readonly user: { readonly id: string } } & Omit<history.CausedChange, 'userId'>,
>(
  store: Pick<AuditStore, 'auditEntriesByIds'>,
  workspaceId: string,
  rows: readonly T[],
  groupsOf: ReadonlyMap<string, readonly string[]>,
  latest: history.LatestTouches,
) {
  const ids = history.attributeCauses(
    rows.map((r) => ({ userId: r.user.id, resourceType: r.resourceType, resourceId: r.resourceId })),
    groupsOf,
    latest,
  );
  return withCauses(
    store,
    workspaceId,
    rows.map((r, i) => ({ ...r, cause: ids[i] ?? null })),
  );
}
