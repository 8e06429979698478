/**
 * What a change did, in words an access review can use: for each entity it touched, exactly which fields
 * went from what to what, who joined and who left a group, which permissions were added, changed or
 * removed — computed from the states before and after (the same pair `checkChange` judges), so every path
 * (commands, sync updates, repair) is described the same way. Pure; the server stores it with the audit.
 */
import {
  type App,
  type Collection,
  type DataSource,
  FLAG_LABELS,
  FLAGS,
  forwardAuthLevelText,
  type Grant,
  type Group,
  LEVEL_LABELS,
  ROLE_LABELS,
  type User,
  type WorkspaceState,
} from './model.ts';
import type { Touched } from './rules/change-rules.ts';

/** One field that changed: its label and its value before and after, as text. */
export interface FieldChange {
  readonly field: string;
  readonly label: string;
  readonly from: string | null;
  readonly to: string | null;
}

export interface EntityChange {
  readonly collection: Collection | 'meta';
  readonly id: string;
  /** The entity's name (a user's email) after the change, or before it when it is gone. */
  readonly name: string;
  readonly kind: 'created' | 'deleted' | 'updated';
  readonly fields: readonly FieldChange[];
  /** Groups only: users who joined and who left (ids and emails, the first MAX_NAMED_MEMBERS). */
  readonly joined?: readonly { readonly id: string; readonly email: string }[] | undefined;
  readonly left?: readonly { readonly id: string; readonly email: string }[] | undefined;
  /** How many joined and left in all. */
  readonly joinedCount?: number | undefined;
  readonly leftCount?: number | undefined;
}

/** At most this many members are named per group and change; the rest are counted. */
export const MAX_NAMED_MEMBERS = 50;

const STATUS_LABELS = { invited: 'Invited', active: 'Active', archived: 'Archived' } as const;

const text = (v: string | undefined | null) => (v === undefined || v === null ? null : v);

function grantText(g: Grant, state: WorkspaceState): string {
  const level = LEVEL_LABELS[g.level] + (g.hideFromDashboard ? ', hidden from dashboard' : '');
  const what = g.resourceType === 'app' ? 'apps' : 'data sources';
  if (g.scope === 'all') return `${level} on all ${what}`;
  const pool: ReadonlyMap<string, { name: string }> =
    g.resourceType === 'app' ? state.apps : state.dataSources;
  const names = g.resourceIds.map((id) => pool.get(id)?.name ?? id);
  return `${level} on ${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`;
}

/** A group with nothing in it: what a new group is compared with. */
function blank(a: Group): Group {
  const flags = { ...a.flags };
  for (const f of FLAGS) flags[f] = false;
  return { ...a, flags, members: new Set(), memberships: new Map(), grants: new Map() };
}

function groupFields(b: Group, a: Group, before: WorkspaceState, after: WorkspaceState): FieldChange[] {
  const out: FieldChange[] = [];
  if (b.name !== a.name && b.name !== '')
    out.push({ field: 'name', label: 'name', from: b.name, to: a.name });
  for (const f of FLAGS)
    if (b.flags[f] !== a.flags[f])
      out.push({
        field: f,
        label: FLAG_LABELS[f],
        from: b.flags[f] ? 'on' : 'off',
        to: a.flags[f] ? 'on' : 'off',
      });
  const ids = new Set([...b.grants.keys(), ...a.grants.keys()]);
  for (const id of [...ids].sort()) {
    const x = b.grants.get(id);
    const y = a.grants.get(id);
    const was = x && x.deletedAt === undefined ? x : undefined;
    const now = y && y.deletedAt === undefined ? y : undefined;
    const from = was ? grantText(was, before) : null;
    const to = now ? grantText(now, after) : null;
    const label = `permission “${(now ?? was)?.name ?? id}”`;
    if (from !== to || (was && now && was.name !== now.name))
      out.push({
        field: `grants.${id}`,
        label: was && now && was.name !== now.name ? `permission “${was.name}” (now “${now.name}”)` : label,
        from,
        to,
      });
  }
  return out;
}

function userFields(b: User, a: User): FieldChange[] {
  const out: FieldChange[] = [];
  if (b.name !== a.name) out.push({ field: 'name', label: 'name', from: b.name, to: a.name });
  if (b.role !== a.role)
    out.push({ field: 'role', label: 'role', from: ROLE_LABELS[b.role], to: ROLE_LABELS[a.role] });
  if (b.status !== a.status)
    out.push({
      field: 'status',
      label: 'status',
      from: STATUS_LABELS[b.status],
      to: STATUS_LABELS[a.status],
    });
  return out;
}

function appFields(b: App, a: App): FieldChange[] {
  const out: FieldChange[] = [];
  if (b.name !== a.name) out.push({ field: 'name', label: 'name', from: b.name, to: a.name });
  if (b.slug !== a.slug) out.push({ field: 'slug', label: 'slug', from: b.slug, to: a.slug });
  const p = (x: App) => x.urlPatterns.join(' ') || '(none)';
  if (p(b) !== p(a)) out.push({ field: 'urlPatterns', label: 'URL patterns', from: p(b), to: p(a) });
  if (b.forwardAuthLevel !== a.forwardAuthLevel)
    out.push({
      field: 'forwardAuthLevel',
      label: 'forward auth',
      from: forwardAuthLevelText(b.forwardAuthLevel),
      to: forwardAuthLevelText(a.forwardAuthLevel),
    });
  return out;
}

function dataSourceFields(b: DataSource, a: DataSource): FieldChange[] {
  const out: FieldChange[] = [];
  if (b.name !== a.name) out.push({ field: 'name', label: 'name', from: b.name, to: a.name });
  if (b.kind !== a.kind) out.push({ field: 'kind', label: 'kind', from: b.kind, to: a.kind });
  return out;
}

type Live = { deletedAt?: number | undefined };
const kindOf = (b: Live | undefined, a: Live | undefined): EntityChange['kind'] | null =>
  !a ? null : !b ? 'created' : b.deletedAt === undefined && a.deletedAt !== undefined ? 'deleted' : 'updated';

function members(state: WorkspaceState, ids: Iterable<string>) {
  const out: { id: string; email: string }[] = [];
  for (const id of ids) {
    if (out.length >= MAX_NAMED_MEMBERS) break;
    out.push({ id, email: state.users.get(id)?.email ?? id });
  }
  return out;
}

type Describer = (before: WorkspaceState, after: WorkspaceState, ids: ReadonlySet<string>) => EntityChange[];

const describeUsers: Describer = (before, after, ids) => {
  const out: EntityChange[] = [];
  for (const id of ids) {
    const a = after.users.get(id);
    if (!a) continue;
    const b = before.users.get(id);
    const fields = b ? userFields(b, a) : [];
    if (!b || fields.length > 0)
      out.push({ collection: 'users', id, name: a.email, kind: b ? 'updated' : 'created', fields });
  }
  return out;
};

const describeGroups: Describer = (before, after, ids) => {
  const out: EntityChange[] = [];
  for (const id of ids) {
    const a = after.groups.get(id);
    const b = before.groups.get(id);
    const kind = kindOf(b, a);
    if (!a || !kind) continue;
    const fields = kind === 'deleted' ? [] : groupFields(b ?? { ...blank(a), name: '' }, a, before, after);
    const joinedIds = [...a.members].filter((m) => !b?.members.has(m));
    const leftIds = b ? [...b.members].filter((m) => !a.members.has(m)) : [];
    if (kind === 'updated' && fields.length === 0 && joinedIds.length === 0 && leftIds.length === 0) continue;
    out.push({
      collection: 'groups',
      id,
      name: a.name,
      kind,
      fields,
      joined: joinedIds.length ? members(after, joinedIds) : undefined,
      left: leftIds.length ? members(before, leftIds) : undefined,
      joinedCount: joinedIds.length || undefined,
      leftCount: leftIds.length || undefined,
    });
  }
  return out;
};

/** Apps and data sources: created, deleted, or the fields that changed. */
function resources<T extends App | DataSource>(
  collection: 'apps' | 'dataSources',
  pick: (s: WorkspaceState) => ReadonlyMap<string, T>,
  fieldsOf: (b: T, a: T) => FieldChange[],
): Describer {
  return (before, after, ids) => {
    const out: EntityChange[] = [];
    for (const id of ids) {
      const a = pick(after).get(id);
      const b = pick(before).get(id);
      const kind = kindOf(b, a);
      if (!a || !kind) continue;
      const fields = kind === 'updated' && b ? fieldsOf(b, a) : [];
      if (kind !== 'updated' || fields.length > 0) out.push({ collection, id, name: a.name, kind, fields });
    }
    return out;
  };
}

const describeConflicts: Describer = (before, after, ids) => {
  const out: EntityChange[] = [];
  for (const id of ids) {
    const a = after.conflicts.get(id);
    const b = before.conflicts.get(id);
    if (!a) continue;
    if (!b) out.push({ collection: 'conflicts', id, name: a.message, kind: 'created', fields: [] });
    else if (b.resolvedAt === undefined && a.resolvedAt !== undefined)
      out.push({
        collection: 'conflicts',
        id,
        name: a.message,
        kind: 'updated',
        fields: [{ field: 'resolvedAt', label: 'status', from: 'Open', to: 'Resolved' }],
      });
  }
  return out;
};

function describeMeta(before: WorkspaceState, after: WorkspaceState): EntityChange[] {
  const fields: FieldChange[] = [];
  for (const field of ['name', 'slug'] as const)
    if (before.meta[field] !== after.meta[field])
      fields.push({ field, label: field, from: text(before.meta[field]), to: text(after.meta[field]) });
  return fields.length
    ? [{ collection: 'meta', id: 'meta', name: after.meta.name, kind: 'updated', fields }]
    : [];
}

const describeApps = resources('apps', (s) => s.apps, appFields);
const describeDataSources = resources('dataSources', (s) => s.dataSources, dataSourceFields);

/** The entities a change touched, each with exactly what changed; entities that did not change are left out. */
export function describeChange(
  before: WorkspaceState,
  after: WorkspaceState,
  touched: Touched,
): EntityChange[] {
  return [
    ...describeUsers(before, after, touched.users),
    ...describeGroups(before, after, touched.groups),
    ...describeApps(before, after, touched.apps),
    ...describeDataSources(before, after, touched.dataSources),
    ...describeConflicts(before, after, touched.conflicts),
    ...(touched.meta ? describeMeta(before, after) : []),
  ];
}

/** What each collection's entities are called in History and the audit. */
export const COLLECTION_LABELS: Readonly<Record<EntityChange['collection'], string>> = {
  users: 'User',
  groups: 'Group',
  apps: 'App',
  dataSources: 'Data source',
  conflicts: 'Conflict',
  meta: 'Workspace',
};

const quote = (v: string | null) => (v === null ? 'none' : `“${v}”`);
const people = (list: readonly { email: string }[], total: number) =>
  list.map((m) => m.email).join(', ') + (total > list.length ? ` and ${total - list.length} more` : '');

/** One entity's change in one line: "Group “Finance”: added sam@x.test; removed bob@x.test". */
export function describeEntityChange(e: EntityChange): string {
  const label = `${COLLECTION_LABELS[e.collection]}${e.collection === 'meta' ? '' : ` “${e.name}”`}`;
  if (e.kind === 'created' && e.collection !== 'groups') return `${label}: created`;
  if (e.kind === 'deleted') return `${label}: deleted`;
  const parts: string[] = e.kind === 'created' ? ['created'] : [];
  for (const f of e.fields) {
    if (f.field === 'status' && e.collection === 'users')
      parts.push(
        f.to === 'Archived'
          ? 'archived'
          : f.from === 'Archived'
            ? `restored (${f.to?.toLowerCase()})`
            : `${f.from} → ${f.to}`,
      );
    else if (f.field.startsWith('grants.'))
      parts.push(
        f.from === null
          ? `${f.label} added: ${f.to}`
          : f.to === null
            ? `${f.label} removed (was ${f.from})`
            : `${f.label}: ${f.from} → ${f.to}`,
      );
    else parts.push(`${f.label} ${quote(f.from)} → ${quote(f.to)}`);
  }
  if (e.joined?.length) parts.push(`added ${people(e.joined, e.joinedCount ?? e.joined.length)}`);
  if (e.left?.length) parts.push(`removed ${people(e.left, e.leftCount ?? e.left.length)}`);
  return `${label}: ${parts.join('; ')}`;
}
