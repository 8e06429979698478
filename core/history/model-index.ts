/**
 * The history index's model (issue 15): the workspace as plain JSON — a checkpoint of the whole model, and
 * per logged update what it changed, entity by entity — so a past moment is a JSON read plus a few
 * thousand small changes instead of a Yjs rebuild. Groups are kept with their raw memberships; `members`
 * is derived again for the moment asked (`liveMembers`, as `readGroup` does), since memberships expire
 * by the clock.
 *
 * A change's entity key: `u:<userId>` (the user, and their memberships in every group), `g:<groupId>`
 * (the group's own fields and grants), `a:<id>`, `d:<id>`, `c:<id>` (conflicts) or `meta`. Shared keys
 * (groups, apps, data sources, meta) are what every user's access reads.
 */
import { nextStateVersion } from '../doc/doc-reader.ts';
import { memberToken, memberTokensOf, readMemberships } from '../doc/member-tokens.ts';
import type {
  App,
  Conflict,
  DataSource,
  Grant,
  Group,
  Membership,
  User,
  WorkspaceMeta,
  WorkspaceState,
} from '../model.ts';
import type { Touched } from '../rules/change-verdict.ts';
import { liveMembers } from '../rules/memberships.ts';
import { sameValue } from './same-value.ts';

/** A group without its derived members. */
export type GroupRecord = Omit<Group, 'members'>;

/** The model the index keeps (mutable while changes are applied). */
export interface IndexModel {
  meta: WorkspaceMeta;
  readonly users: Map<string, User>;
  readonly groups: Map<string, GroupRecord>;
  readonly apps: Map<string, App>;
  readonly dataSources: Map<string, DataSource>;
  readonly conflicts: Map<string, Conflict>;
}

/** One entity's change in one update, as the index stores it. */
export interface ModelChange {
  readonly entity: string;
  readonly shared: boolean;
  readonly data: string;
}

type GroupFields = Omit<GroupRecord, 'memberships' | 'grants'>;
interface UserChange {
  /** The user after the update (null: gone); absent: unchanged. */
  user?: User | null;
  /** Group id → this user's memberships in it after the update (null: none). */
  m?: Record<string, readonly Membership[] | null>;
}
interface GroupChange {
  group?: GroupFields | null;
  grants?: Record<string, Grant | null>;
}
interface ValueChange<T> {
  v: T | null;
}

const isShared = (entity: string) => !entity.startsWith('u:') && !entity.startsWith('c:');

function groupFields(g: GroupRecord): GroupFields {
  const { memberships: _m, grants: _g, ...rest } = g;
  if ('members' in rest) delete (rest as { members?: unknown }).members;
  return rest;
}

/** The whole model as JSON text (a checkpoint). */
export function encodeModel(s: WorkspaceState | IndexModel): string {
  return JSON.stringify({
    meta: s.meta,
    users: [...s.users.values()],
    groups: [...s.groups.values()].map((g) => ({
      ...groupFields(g),
      memberships: membershipTokens(g.memberships),
      grants: [...g.grants.values()],
    })),
    apps: [...s.apps.values()],
    dataSources: [...s.dataSources.values()],
    conflicts: [...s.conflicts.values()],
  });
}

interface StoredGroup extends GroupFields {
  /** The doc's own member tokens (doc/member-tokens.ts), space-separated: a fraction of the JSON. */
  memberships: string;
  grants: Grant[];
}

function membershipTokens(memberships: ReadonlyMap<string, readonly Membership[]>): string {
  const tokens: string[] = [];
  for (const [userId, held] of memberships)
    for (const m of held) tokens.push(memberToken(userId, m.source, m.expiresAt));
  return tokens.join(' ');
}

const byId = <T extends { id: string }>(list: readonly T[]) => new Map(list.map((x) => [x.id, x]));

/**
 * A checkpoint read back into a model the changes after it are applied to; with `forUser`, the groups
 * hold only that user's memberships (one user's timeline reads no one else's, and reading every group's
 * tokens is most of the decoding).
 */
export function decodeModel(json: string, forUser?: string): IndexModel {
  const raw = JSON.parse(json) as {
    meta: WorkspaceMeta;
    users: User[];
    groups: StoredGroup[];
    apps: App[];
    dataSources: DataSource[];
    conflicts: Conflict[];
  };
  const groups = new Map<string, GroupRecord>();
  for (const g of raw.groups) {
    const tokens = forUser === undefined ? g.memberships : memberTokensOf(g.memberships, forUser);
    groups.set(g.id, { ...g, memberships: readMemberships(tokens), grants: byId(g.grants) });
  }
  return {
    meta: raw.meta,
    users: byId(raw.users),
    groups,
    apps: byId(raw.apps),
    dataSources: byId(raw.dataSources),
    conflicts: byId(raw.conflicts),
  };
}

/** Only the users of a checkpoint, with the users' changes after it applied (who a reference names). */
export function usersFromIndex(
  checkpoint: string,
  changes: readonly { readonly entity: string; readonly data: string }[],
): Map<string, User> {
  const users = byId((JSON.parse(checkpoint) as { users: User[] }).users);
  for (const c of changes) {
    if (!c.entity.startsWith('u:')) continue;
    const parsed = JSON.parse(c.data) as UserChange;
    if (parsed.user !== undefined) setOrDelete(users, c.entity.slice(2), parsed.user);
  }
  return users;
}

function changedKeys<V>(a: ReadonlyMap<string, V> | undefined, b: ReadonlyMap<string, V> | undefined) {
  const out: string[] = [];
  for (const [k, v] of b ?? []) if (!sameValue(v, a?.get(k))) out.push(k);
  for (const k of a?.keys() ?? []) if (!b?.has(k)) out.push(k);
  return out;
}

/**
 * What one update changed between two states (the incremental reader's before and after), for the
 * entities it touched: one change per entity key, in key order.
 */
export function modelChanges(prev: WorkspaceState, next: WorkspaceState, touched: Touched): ModelChange[] {
  const out = new Map<string, object>();
  const userChange = (id: string): UserChange => {
    const key = `u:${id}`;
    let c = out.get(key) as UserChange | undefined;
    if (!c) out.set(key, (c = {}));
    return c;
  };
  for (const id of touched.users) {
    const [a, b] = [prev.users.get(id), next.users.get(id)];
    if (!sameValue(a, b)) userChange(id).user = b ?? null;
  }
  for (const id of touched.groups) {
    const [a, b] = [prev.groups.get(id), next.groups.get(id)];
    if (sameValue(a, b)) continue;
    const c: GroupChange = {};
    const [fa, fb] = [a && groupFields(a), b && groupFields(b)];
    if (!sameValue(fa, fb)) c.group = fb ?? null;
    for (const gid of changedKeys(a?.grants, b?.grants)) (c.grants ??= {})[gid] = b?.grants.get(gid) ?? null;
    if (c.group !== undefined || c.grants) out.set(`g:${id}`, c);
    for (const uid of changedKeys(a?.memberships, b?.memberships))
      (userChange(uid).m ??= {})[id] = b?.memberships.get(uid) ?? null;
  }
  const values = [
    ['a', 'apps', touched.apps],
    ['d', 'dataSources', touched.dataSources],
    ['c', 'conflicts', touched.conflicts],
  ] as const;
  for (const [prefix, collection, ids] of values)
    for (const id of ids) {
      const [a, b] = [prev[collection].get(id), next[collection].get(id)];
      if (!sameValue(a, b)) out.set(`${prefix}:${id}`, { v: b ?? null } satisfies ValueChange<unknown>);
    }
  if (touched.meta && !sameValue(prev.meta, next.meta)) out.set('meta', { v: next.meta });
  return [...out.keys()].sort().map((entity) => ({
    entity,
    shared: isShared(entity),
    data: JSON.stringify(out.get(entity)),
  }));
}

/** Applies one stored change to the model (in seq order), in place: the model owns its maps. */
export function applyChange(model: IndexModel, entity: string, data: string): void {
  const colon = entity.indexOf(':');
  const prefix = colon < 0 ? entity : entity.slice(0, colon);
  const id = entity.slice(colon + 1);
  const parsed = JSON.parse(data) as UserChange & GroupChange & ValueChange<unknown>;
  switch (prefix) {
    case 'u': {
      if (parsed.user !== undefined) setOrDelete(model.users, id, parsed.user);
      for (const [gid, held] of Object.entries(parsed.m ?? {})) {
        const g = model.groups.get(gid);
        if (g) setOrDelete(g.memberships as Map<string, readonly Membership[]>, id, held);
      }
      return;
    }
    case 'g': {
      const before = model.groups.get(id);
      if (parsed.group === null) {
        model.groups.delete(id);
        return;
      }
      const fields = parsed.group ?? (before && groupFields(before));
      if (!fields) return;
      const grants = (before?.grants as Map<string, Grant> | undefined) ?? new Map<string, Grant>();
      for (const [gid, grant] of Object.entries(parsed.grants ?? {})) setOrDelete(grants, gid, grant);
      model.groups.set(id, { ...fields, memberships: before?.memberships ?? new Map(), grants });
      return;
    }
    case 'a':
      setOrDelete(model.apps, id, parsed.v as App | null);
      return;
    case 'd':
      setOrDelete(model.dataSources, id, parsed.v as DataSource | null);
      return;
    case 'c':
      setOrDelete(model.conflicts, id, parsed.v as Conflict | null);
      return;
    case 'meta':
      model.meta = parsed.v as WorkspaceMeta;
      return;
  }
}

function setOrDelete<V>(map: Map<string, V>, id: string, v: V | null): void {
  if (v === null) map.delete(id);
  else map.set(id, v);
}

/** A group as read at `at` (members: whose membership has not expired by then), sharing nothing with `g`. */
export const groupAt = (g: GroupRecord, at: number): Group => ({
  ...g,
  members: liveMembers(g.memberships, at),
  memberships: new Map(g.memberships),
  grants: new Map(g.grants),
});

/**
 * The model as a WorkspaceState at `at` (memberships as of then), sharing no map with the model — or,
 * with `owned` (the model is dropped after: `stateFromIndex`), taking its maps as they are.
 */
export function modelState(model: IndexModel, at: number, owned = false): WorkspaceState {
  const groups = new Map<string, Group>();
  for (const [id, g] of model.groups)
    groups.set(id, owned ? { ...g, members: liveMembers(g.memberships, at) } : groupAt(g, at));
  const copy = <V>(m: Map<string, V>) => (owned ? m : new Map(m));
  return {
    version: nextStateVersion(),
    meta: model.meta,
    users: copy(model.users),
    groups,
    apps: copy(model.apps),
    dataSources: copy(model.dataSources),
    conflicts: copy(model.conflicts),
  };
}

/** The model at a moment from a checkpoint and the changes after it (in seq order), read at `at`. */
export function stateFromIndex(
  checkpoint: string,
  changes: readonly { readonly entity: string; readonly data: string }[],
  at: number,
): WorkspaceState {
  const model = decodeModel(checkpoint);
  for (const c of changes) applyChange(model, c.entity, c.data);
  return modelState(model, at, true);
}
