/**
 * Ops: the low-level writes that commands and repairs produce. The same list is written to a Y.Doc
 * (doc/write-ops.ts) or applied to a plain state (applyOpsToState) to preview an impact.
 */
import { GRANT, GROUP, META_SCHEMA, SCHEMAS } from './doc/entity-schema.ts';
import { OverlayMap } from './doc/overlay-map.ts';
import {
  FieldsSource,
  patcher,
  READERS,
  readGrant,
  readGroup,
  readMeta,
  type Source,
} from './doc/read-entities.ts';
import { COLLECTIONS } from './doc/schema.ts';
import type {
  App,
  Collection,
  Conflict,
  DataSource,
  Grant,
  Group,
  Membership,
  MembershipSource,
  User,
  WorkspaceState,
} from './model.ts';
import type { AccessRequest } from './requests/access-request.ts';
import type { Touched } from './rules/change-rules.ts';
import { isLiveMembership } from './rules/memberships.ts';

export type FieldValue = string | number | boolean | null | readonly string[] | readonly unknown[];
/** `undefined` removes the field (e.g. clears a tombstone). */
export type Fields = Readonly<Record<string, FieldValue | undefined>>;

export type Op =
  | {
      readonly type: 'entity.create';
      readonly collection: Collection;
      readonly id: string;
      readonly fields: Fields;
    }
  | {
      readonly type: 'entity.set';
      readonly collection: Collection;
      readonly id: string;
      readonly fields: Fields;
    }
  | {
      /** The user's membership of `source` (default manual) becomes this one: added, or its expiry replaced. */
      readonly type: 'member.add';
      readonly groupId: string;
      readonly userId: string;
      readonly at: number;
      readonly source?: MembershipSource | undefined;
      /** Epoch ms; undefined: permanent. */
      readonly expiresAt?: number | undefined;
    }
  | {
      /** Removes the user's memberships of `source`, or of every source when it is undefined. */
      readonly type: 'member.remove';
      readonly groupId: string;
      readonly userId: string;
      readonly source?: MembershipSource | undefined;
      /** When the command ran (the preview decides by it whether another source keeps the user in). */
      readonly at?: number | undefined;
    }
  | {
      readonly type: 'grant.create';
      readonly groupId: string;
      readonly grantId: string;
      readonly fields: Fields;
      readonly resourceIds: readonly string[];
    }
  | {
      readonly type: 'grant.set';
      readonly groupId: string;
      readonly grantId: string;
      readonly fields: Fields;
    }
  | {
      readonly type: 'grant.resources';
      readonly groupId: string;
      readonly grantId: string;
      readonly add: readonly string[];
      readonly remove: readonly string[];
    }
  | { readonly type: 'meta.set'; readonly fields: Fields }
  /** Writes an access request whole (requests/access-request.ts; the server's op only). */
  | { readonly type: 'request.put'; readonly request: AccessRequest };

/** The stored fields of a grant (its resources are a nested map, written separately). */
export function grantFields(
  g: Pick<Grant, 'name' | 'resourceType' | 'scope' | 'level' | 'hideFromDashboard'>,
  now: number,
): Fields {
  return {
    name: g.name,
    resourceType: g.resourceType,
    scope: g.scope,
    level: g.level,
    hideFromDashboard: g.hideFromDashboard,
    createdAt: now,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Entity = User | Group | App | DataSource | Conflict;
type Patch = (entity: Entity, fields: Fields) => Entity | undefined;

// The preview reads what the ops write with the doc's own readers (doc/read-entities.ts): an entity
// created from fields, or its stored fields with an edit written over them, reads as the doc would.
const PATCH = Object.fromEntries(
  COLLECTIONS.map((c) => [c, patcher<Entity, Entity | undefined>(SCHEMAS[c], READERS[c])]),
) as Readonly<Record<Collection, Patch>>;
const patchGroup = patcher(GROUP, readGroup);
const patchGrant = patcher(GRANT, readGrant);
const patchMeta = patcher(META_SCHEMA, (_id: string, src: Source) => readMeta(src));

interface GroupDraft {
  group: Group;
  members: Set<string> | null;
  memberships: Map<string, readonly Membership[]> | null;
  grants: Map<string, Grant> | null;
}

/** Applies ops to a plain state, returning a new state (structural sharing; inputs untouched). */
export function applyOpsToState(state: WorkspaceState, ops: readonly Op[]): WorkspaceState {
  const s = { ...state, version: state.version + 1 } as Mutable<WorkspaceState>;
  // Changed entities per collection, laid over the old maps at the end: O(changes), not O(collection).
  const changes = new Map<Collection, Map<string, unknown>>();
  const col = (name: Collection): Map<string, unknown> => {
    let m = changes.get(name);
    if (!m) changes.set(name, (m = new Map()));
    return m;
  };
  const get = (name: Collection, id: string): unknown => {
    const m = changes.get(name);
    return m?.has(id) ? m.get(id) : (s[name] as ReadonlyMap<string, unknown>).get(id);
  };
  // Groups are edited through drafts so that a batch of 1,000 member ops copies each set once.
  const drafts = new Map<string, GroupDraft>();
  const draft = (id: string): GroupDraft | undefined => {
    let d = drafts.get(id);
    if (!d) {
      const group = get('groups', id) as Group | undefined;
      if (!group) return undefined;
      d = { group, members: null, memberships: null, grants: null };
      drafts.set(id, d);
    }
    return d;
  };
  const members = (d: GroupDraft) => (d.members ??= new Set(d.group.members));
  const memberships = (d: GroupDraft) => (d.memberships ??= new Map(d.group.memberships));
  const grants = (d: GroupDraft) => (d.grants ??= new Map(d.group.grants));
  const updateGrant = (groupId: string, grantId: string, fn: (g: Grant) => Grant | undefined) => {
    const d = draft(groupId);
    if (!d) return;
    const grant = (d.grants ?? d.group.grants).get(grantId);
    if (!grant) return;
    const next = fn(grant);
    if (next) grants(d).set(grantId, next);
    else grants(d).delete(grantId); // a shape the doc's reader ignores
  };

  for (const op of ops) {
    switch (op.type) {
      case 'entity.create': {
        if (op.collection === 'groups') drafts.delete(op.id);
        col(op.collection).set(op.id, READERS[op.collection](op.id, new FieldsSource(op.fields)));
        break;
      }
      case 'entity.set': {
        if (op.collection === 'groups') {
          const d = draft(op.id);
          if (d) d.group = patchGroup(d.group, op.fields);
        } else {
          const cur = get(op.collection, op.id) as Entity | undefined;
          if (cur) col(op.collection).set(op.id, PATCH[op.collection](cur, op.fields));
        }
        break;
      }
      case 'member.add': {
        const d = draft(op.groupId);
        if (!d) break;
        const m: Membership = { source: op.source ?? 'manual', expiresAt: op.expiresAt };
        const held = memberships(d);
        held.set(op.userId, [...(held.get(op.userId) ?? []).filter((h) => h.source !== m.source), m]);
        if (isLiveMembership(m, op.at)) members(d).add(op.userId);
        break;
      }
      case 'member.remove': {
        const d = draft(op.groupId);
        if (!d) break;
        const held = memberships(d);
        const rest =
          op.source === undefined ? [] : (held.get(op.userId) ?? []).filter((h) => h.source !== op.source);
        if (rest.length > 0) held.set(op.userId, rest);
        else held.delete(op.userId);
        const at = op.at ?? Date.now();
        if (!rest.some((m) => isLiveMembership(m, at))) members(d).delete(op.userId);
        break;
      }
      case 'grant.create': {
        const d = draft(op.groupId);
        if (!d) break;
        const g = readGrant(op.grantId, new FieldsSource(op.fields));
        if (g) grants(d).set(op.grantId, { ...g, resourceIds: [...new Set(op.resourceIds)].sort() });
        else grants(d).delete(op.grantId); // a shape the doc's reader ignores
        break;
      }
      case 'grant.set':
        updateGrant(op.groupId, op.grantId, (g) => patchGrant(g, op.fields));
        break;
      case 'grant.resources':
        updateGrant(op.groupId, op.grantId, (g) => {
          const ids = new Set(g.resourceIds);
          for (const id of op.add) ids.add(id);
          for (const id of op.remove) ids.delete(id);
          return { ...g, resourceIds: [...ids].sort() };
        });
        break;
      case 'meta.set':
        s.meta = patchMeta(s.meta, op.fields);
        break;
      case 'request.put':
        break; // not part of the access state
    }
  }
  if (drafts.size > 0) {
    const groups = col('groups') as Map<string, Group>;
    for (const [id, d] of drafts) {
      let g = d.group;
      if (d.members) g = { ...g, members: d.members };
      if (d.memberships) g = { ...g, memberships: d.memberships };
      if (d.grants) g = { ...g, grants: d.grants };
      groups.set(id, g);
    }
  }
  const out = s as unknown as Record<Collection, ReadonlyMap<string, unknown>>;
  for (const [name, m] of changes) out[name] = OverlayMap.with(out[name], m);
  return s;
}

/** The entities a list of ops touches (what `checkChange` looks at). */
export function touchedByOps(ops: readonly Op[]): Touched {
  const t = {
    users: new Set<string>(),
    groups: new Set<string>(),
    apps: new Set<string>(),
    dataSources: new Set<string>(),
    conflicts: new Set<string>(),
    meta: false,
  };
  for (const op of ops) {
    if (op.type === 'entity.create' || op.type === 'entity.set') t[op.collection].add(op.id);
    else if (op.type === 'meta.set') t.meta = true;
    else if (op.type !== 'request.put') t.groups.add(op.groupId);
  }
  return t;
}
