/**
 * History for an access review: what kind of change an audit entry is, whom and what it concerned, and
 * its rows for a CSV with the same detail as the page. Pure (the page and its tests use it).
 */
import type { AuditEntry } from './api.ts';

export interface HistoryEntity {
  readonly collection: string;
  readonly id: string;
  readonly name?: string | undefined;
  readonly fields: readonly string[];
}

export const CHANGE_KINDS = {
  role: 'Role changes',
  status: 'Archived, restored, joined',
  members: 'Group members',
  permissions: 'Group permissions',
  created: 'Created',
  deleted: 'Deleted',
  resources: 'Apps and data sources',
  settings: 'Workspace settings',
  conflicts: 'Conflicts',
  requests: 'Access requests',
  expired: 'Expired memberships',
} as const;
export type ChangeKind = keyof typeof CHANGE_KINDS;

const CREATED = '(created)';
const GROUP_OTHER = new Set(['members', 'name', 'deletedAt', 'createdAt', CREATED]);

export function entitiesOf(e: AuditEntry): HistoryEntity[] {
  return Array.isArray(e.entities) ? (e.entities as HistoryEntity[]) : [];
}

/** Every kind of change one entry holds. */
export function kindsOf(e: AuditEntry): Set<ChangeKind> {
  const out = new Set<ChangeKind>();
  for (const x of entitiesOf(e)) {
    if (x.fields.includes(CREATED)) out.add('created');
    if (x.fields.includes('deletedAt')) out.add('deleted');
    if (x.collection === 'users') {
      if (x.fields.includes('role')) out.add('role');
      if (x.fields.some((f) => f === 'status' || f === 'activatedAt')) out.add('status');
    } else if (x.collection === 'groups') {
      if (x.fields.includes('members')) out.add('members');
      if (x.fields.some((f) => !GROUP_OTHER.has(f))) out.add('permissions');
    } else if (x.collection === 'apps' || x.collection === 'dataSources') out.add('resources');
    else if (x.collection === 'meta') out.add('settings');
    else if (x.collection === 'conflicts') out.add('conflicts');
    else if (x.collection === 'requests') out.add('requests');
  }
  // The server's removal of memberships that expired (sync-server/sync/expiry-sweep.ts).
  if (e.action === 'membership.expired') out.add('expired');
  return out;
}

/** Whether `text` names `email` as a whole address (not inside a longer one). */
function mentions(text: string, email: string): boolean {
  const t = text.toLowerCase();
  const m = email.toLowerCase();
  for (let i = t.indexOf(m); i >= 0; i = t.indexOf(m, i + 1)) {
    const before = t[i - 1] ?? ' ';
    const after = t[i + m.length] ?? ' ';
    if (!/[\w.+-]/.test(before) && !/[\w-]/.test(after)) return true;
  }
  return false;
}

export interface HistoryFilter {
  readonly query: string;
  readonly actor: string;
  /** A user: changes to them, and group changes that added or removed them (named in the summary). */
  readonly person: { readonly id: string; readonly email: string } | null;
  /** A group, app or data source id. */
  readonly entityId: string;
  readonly kind: ChangeKind | '';
}

export const actorOf = (e: AuditEntry): string =>
  typeof e.actor === 'string'
    ? e.actor
    : (e.actor?.email ?? e.actor?.name ?? (e.actorEmail as string | undefined) ?? 'server');
export const textOf = (e: AuditEntry): string => String(e.summary ?? e.message ?? e.action ?? '');

export function matches(e: AuditEntry, f: HistoryFilter): boolean {
  if (f.actor && actorOf(e) !== f.actor) return false;
  const q = f.query.trim().toLowerCase();
  if (q && !textOf(e).toLowerCase().includes(q)) return false;
  const ents = entitiesOf(e);
  if (f.entityId && !ents.some((x) => x.id === f.entityId)) return false;
  if (f.kind && !kindsOf(e).has(f.kind)) return false;
  if (f.person) {
    const p = f.person;
    if (!ents.some((x) => x.collection === 'users' && x.id === p.id) && !mentions(textOf(e), p.email))
      return false;
  }
  return true;
}

/** The CSV of the shown entries: when, who, what exactly changed (the page's line), kinds, entities. */
export function historyCsvRows(entries: readonly AuditEntry[]): string[][] {
  const rows = [['when', 'who', 'what changed', 'kind', 'concerns', 'source', 'action']];
  for (const e of entries)
    rows.push([
      new Date(typeof e.at === 'number' ? e.at : String(e.at)).toISOString(),
      actorOf(e),
      textOf(e),
      [...kindsOf(e)].map((k) => CHANGE_KINDS[k]).join('; '),
      entitiesOf(e)
        .map((x) => `${x.collection}:${x.name ?? x.id}`)
        .join('; '),
      String(e.source ?? ''),
      String(e.action ?? ''),
    ]);
  return rows;
}
