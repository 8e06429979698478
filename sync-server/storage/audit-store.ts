/** The audit log: one row per committed change (sync update, REST command, repair), server-stamped. */

export interface AuditEntity {
  readonly collection: string;
  readonly id: string;
  readonly name?: string | undefined;
  readonly fields: readonly string[];
}

export interface AuditEntryInput {
  readonly workspaceId: string;
  readonly at: number;
  /** Account id, or null for the server itself (repairs). */
  readonly actorId: string | null;
  readonly actorEmail: string | null;
  readonly actorName: string | null;
  /** How the change came: `sync`, `api`, `server`. */
  readonly source: string;
  /** A command type (`group.create`), `doc.update` or `repair`. */
  readonly action: string;
  readonly entities: readonly AuditEntity[];
  readonly summary: string;
}

export interface AuditEntry extends AuditEntryInput {
  /** Increasing; the paging cursor. */
  readonly id: number;
}

export interface AuditQuery {
  readonly workspaceId: string;
  /** Account id or email. */
  readonly actor?: string | undefined;
  /** A collection (`groups`) or an entity id. */
  readonly entity?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** Entries with id below this. */
  readonly before?: number | undefined;
  readonly limit: number;
}

/**
 * An audit entry as cause attribution reads it (core/history/causes.ts): its id, time and what it touched,
 * as the stored ` <collection> <id> …` keys — a fraction of the full entry's size, so a month of entries
 * is read quickly (history/history-causes.ts). The causes found are read in full with `auditEntriesByIds`.
 */
export interface AuditRef {
  readonly id: number;
  readonly at: number;
  readonly keys: string;
}

/**
 * The collection and id pairs of stored keys (` <collection> <id> … `: one space around the pairs, one
 * between parts — an empty id stays an empty part, so no pair shifts).
 */
function keyParts(keys: string): string[] {
  const inner = keys.slice(1, -1);
  return inner === '' ? [] : inner.split(' ');
}

/** The entities of a ref's keys. */
export function refEntities(keys: string): { collection: string; id: string }[] {
  const parts = keyParts(keys);
  const out: { collection: string; id: string }[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push({ collection: parts[i]!, id: parts[i + 1]! });
  return out;
}

/**
 * Many refs by column (a month is tens of thousands: one string and two arrays are far cheaper to build
 * and keep than as many objects): `ids[i]` and `ats[i]` are the i-th ref's, the i-th line of `keys` its keys.
 */
export interface AuditRefColumns {
  readonly ids: Float64Array;
  readonly ats: Float64Array;
  readonly keys: string;
}

/** Refs (id, at, keys in that order, as rows or arrays) by column. */
export function refColumns(rows: readonly (AuditRef | readonly [number, number, string])[]): AuditRefColumns {
  const ids = new Float64Array(rows.length);
  const ats = new Float64Array(rows.length);
  const keys: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const [id, at, k] = Array.isArray(r) ? r : [(r as AuditRef).id, (r as AuditRef).at, (r as AuditRef).keys];
    ids[i] = id;
    ats[i] = at;
    keys[i] = k;
  }
  return { ids, ats, keys: keys.join('\n') };
}

/** Calls `fn` for each entity each ref names, with the ref's audit id (the keys read as `refEntities` reads them). */
export function forEachRefEntity(
  refs: AuditRefColumns,
  fn: (collection: string, id: string, auditId: number) => void,
): void {
  if (refs.ids.length === 0) return;
  const lines = refs.keys.split('\n');
  for (let i = 0; i < refs.ids.length; i++) {
    const parts = keyParts(lines[i] ?? '');
    for (let k = 0; k + 1 < parts.length; k += 2) fn(parts[k]!, parts[k + 1]!, refs.ids[i]!);
  }
}

/** An entity's keys as stored (spaces around, for matching ` <collection> <id> ` and ` <id> `). */
export const entityKeys = (entities: readonly { collection: string; id: string }[]) =>
  ` ${entities.map((x) => `${x.collection} ${x.id}`).join(' ')} `;

export interface AuditStore {
  addAudit(entries: readonly AuditEntryInput[]): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** The refs of the entries with from ≤ at ≤ to, newest first (by time, then id), at most `limit`. */
  auditRefs(workspaceId: string, from: number, to: number, limit: number): Promise<AuditRefColumns>;
  /** The refs of the entries committed at these times (any order). */
  auditRefsAt(workspaceId: string, times: readonly number[]): Promise<AuditRef[]>;
  /** The entries with these ids (in no particular order; unknown ids are skipped). */
  auditEntriesByIds(workspaceId: string, ids: readonly number[]): Promise<AuditEntry[]>;
  /** Most recent entries touching an entity id, newest first (the server's own entries excepted). */
  recentAuditFor(
    workspaceId: string,
    entityIds: readonly string[],
    sinceMs: number,
    limit: number,
  ): Promise<AuditEntry[]>;
}
