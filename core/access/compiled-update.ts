/**
 * Compiled access per state version, updated incrementally: a state derived from the previous one by a
 * few edits (DocReader, applyOpsToState) gets its compiled form from the previous version's. A membership
 * change recompiles nothing and invalidates the users who joined or left; a grant or flag change
 * recompiles that group and invalidates its members (the sets holding it are keyed by its old serial, so
 * they are never read again); a user edit invalidates that user, and the users sharing their email when
 * identity may move. Adding or deleting an app or data source renumbers resources: a full build.
 */
import { OverlayMap } from '../doc/overlay-map.ts';
import { FLAGS, type Grant, type Group, type WorkspaceState } from '../model.ts';
import { buildCompiled, CompiledAccess, type CompiledParts, compileDefaults } from './compiled-access.ts';
import { type CompiledGroup, compileGroup, type ResourceIndex } from './compiled-groups.ts';

/** The ids of the entities edits changed, by collection (core's `Touched` has this shape). */
export interface ChangedIds {
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly apps: ReadonlySet<string>;
  readonly dataSources: ReadonlySet<string>;
}

/** How many versions may share cached user entries through their parents before they are flattened. */
const MAX_DEPTH = 8;

const cache = new WeakMap<WorkspaceState, CompiledAccess>();
/** The last compiled version of each workspace, by its `meta` object (shared by a reader's versions). */
const latest = new WeakMap<object, CompiledAccess>();

/**
 * The compiled access of a state, built once per state object. It is derived from `previous`'s compiled
 * form when given, else from the last version compiled for the same workspace (states of one reader share
 * their `meta`); `changed` lists what differs, else the collections are compared by entity identity
 * (exact for any two states; cheap for structurally shared ones). Many changes: a full build.
 */
export function compiledAccess(
  state: WorkspaceState,
  previous?: WorkspaceState,
  changed?: ChangedIds,
): CompiledAccess {
  let compiled = cache.get(state);
  if (compiled) return compiled;
  const prev = (previous && cache.get(previous)) ?? latest.get(state.meta);
  compiled = prev && prev.state !== state ? derived(prev, state, changed) : buildCompiled(state);
  cache.set(state, compiled);
  latest.set(state.meta, compiled);
  return compiled;
}

function derived(prev: CompiledAccess, next: WorkspaceState, hint: ChangedIds | undefined): CompiledAccess {
  const changed = hint ?? changedIds(prev.state, next);
  const edits = changed.users.size + changed.groups.size + changed.apps.size + changed.dataSources.size;
  if (edits > 64 + (next.users.size + next.groups.size) / 8) return buildCompiled(next);
  return updateCompiled(prev, next, changed);
}

function diff<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): Set<string> {
  const out = new Set<string>();
  if (before === after) return out;
  let common = 0;
  for (const [id, v] of after) {
    const old = before.get(id);
    if (old !== undefined) common++;
    if (old !== v) out.add(id);
  }
  if (common < before.size) for (const id of before.keys()) if (!after.has(id)) out.add(id);
  return out;
}

/** The entities two states differ in, by identity (a collection shared by both costs nothing). */
export function changedIds(before: WorkspaceState, after: WorkspaceState): ChangedIds {
  return {
    users: diff(before.users, after.users),
    groups: diff(before.groups, after.groups),
    apps: diff(before.apps, after.apps),
    dataSources: diff(before.dataSources, after.dataSources),
  };
}

/** Resources of `next` with the same numbering, or null when a resource was added, deleted or restored. */
function renumbered(res: ResourceIndex, next: WorkspaceState, changed: ChangedIds): ResourceIndex | null {
  if (changed.apps.size === 0 && changed.dataSources.size === 0) return res;
  let apps: ResourceIndex['apps'][number][] | null = null;
  let dataSources: ResourceIndex['dataSources'][number][] | null = null;
  for (const id of changed.apps) {
    const a = next.apps.get(id);
    const i = res.appIndex.get(id);
    if ((a !== undefined && a.deletedAt === undefined) !== (i !== undefined)) return null;
    if (a && i !== undefined) (apps ??= [...res.apps])[i] = a;
  }
  for (const id of changed.dataSources) {
    const d = next.dataSources.get(id);
    const i = res.dataSourceIndex.get(id);
    if ((d !== undefined && d.deletedAt === undefined) !== (i !== undefined)) return null;
    if (d && i !== undefined) (dataSources ??= [...res.dataSources])[i] = d;
  }
  return { ...res, apps: apps ?? res.apps, dataSources: dataSources ?? res.dataSources };
}

function sameGrant(a: Grant, b: Grant | undefined): boolean {
  if (!b) return false;
  if (
    a.resourceType !== b.resourceType ||
    a.scope !== b.scope ||
    a.level !== b.level ||
    a.hideFromDashboard !== b.hideFromDashboard ||
    a.deletedAt !== b.deletedAt ||
    a.resourceIds.length !== b.resourceIds.length
  )
    return false;
  for (let i = 0; i < a.resourceIds.length; i++) if (a.resourceIds[i] !== b.resourceIds[i]) return false;
  return true;
}

/** Whether two versions of a group give the same access (members and names aside). */
export function sameContent(a: Group, b: Group): boolean {
  if (a.kind !== b.kind || a.deletedAt !== b.deletedAt) return false;
  for (const f of FLAGS) if (a.flags[f] !== b.flags[f]) return false;
  if (a.grants === b.grants) return true;
  if (a.grants.size !== b.grants.size) return false;
  for (const [id, g] of a.grants) if (!sameGrant(g, b.grants.get(id))) return false;
  return true;
}

const NO_MEMBERS: ReadonlySet<string> = new Set();

/** The list of `key` in `base` or `pending` with `value` added or removed. */
function edit(
  base: ReadonlyMap<string, readonly string[]>,
  pending: Map<string, readonly string[] | undefined>,
  key: string,
  value: string,
  add: boolean,
): readonly string[] {
  const cur = pending.has(key) ? (pending.get(key) ?? []) : (base.get(key) ?? []);
  const list = add ? [...cur, value] : cur.filter((v) => v !== value);
  pending.set(key, list.length > 0 ? list : undefined);
  return list;
}

/** The compiled form of `next` from `prev`'s, given what changed between their states. */
export function updateCompiled(
  prev: CompiledAccess,
  next: WorkspaceState,
  changed: ChangedIds,
): CompiledAccess {
  const p = prev.parts;
  const before = prev.state;
  const resources = renumbered(p.resources, next, changed);
  if (!resources) return buildCompiled(next);
  const invalid = new Set<string>();
  let groups = p.groups;
  let defaultsChanged = false;
  const memberOf = new Map<string, readonly string[] | undefined>();
  for (const id of changed.groups) {
    const g0 = before.groups.get(id);
    const g1 = next.groups.get(id);
    if (g0?.kind === 'default' || g1?.kind === 'default') {
      // Default groups have no member lists (their members are the role's users): only content counts.
      if (!g0 || !g1 || g0.role !== g1.role || g0.createdAt !== g1.createdAt || !sameContent(g0, g1))
        defaultsChanged = true;
      continue;
    }
    if (groups === p.groups) groups = new Map(p.groups);
    const map = groups as Map<string, CompiledGroup>;
    const c0 = p.groups.get(id);
    const live = g1 && g1.kind === 'custom' && g1.deletedAt === undefined ? g1 : undefined;
    const sameAccess = !!(c0 && live && sameContent(c0.group, live));
    if (live) map.set(id, c0 && sameAccess ? { ...c0, group: live } : compileGroup(live, resources));
    else map.delete(id);
    const m0 = c0 ? c0.group.members : NO_MEMBERS;
    const m1 = live ? live.members : NO_MEMBERS;
    for (const u of m1)
      if (!m0.has(u)) {
        edit(p.memberOf, memberOf, u, id, true);
        invalid.add(u);
      } else if (!sameAccess) invalid.add(u);
    for (const u of m0)
      if (!m1.has(u)) {
        edit(p.memberOf, memberOf, u, id, false);
        invalid.add(u);
      }
  }
  const byEmail = new Map<string, readonly string[] | undefined>();
  for (const id of changed.users) {
    invalid.add(id);
    const u0 = before.users.get(id);
    const u1 = next.users.get(id);
    if (u0?.email === u1?.email && u0?.status === u1?.status && u0?.createdAt === u1?.createdAt) continue;
    // Identity (rules/identity.ts) may move between the users of the old and the new email.
    if (u0 && u0.email !== u1?.email)
      for (const v of edit(p.byEmail, byEmail, u0.email, id, false)) invalid.add(v);
    if (u1 && u1.email !== u0?.email) edit(p.byEmail, byEmail, u1.email, id, true);
    if (u1) for (const v of byEmail.get(u1.email) ?? p.byEmail.get(u1.email) ?? []) invalid.add(v);
  }
  const defaults = defaultsChanged ? compileDefaults(next, resources) : p;
  const staleSets = p.sets.size > 4 * next.users.size + 1024;
  const parts: CompiledParts = {
    resources,
    defaults: defaults.defaults,
    defaultGroups: defaults.defaultGroups,
    groups,
    memberOf: memberOf.size > 0 ? OverlayMap.with(p.memberOf, memberOf) : p.memberOf,
    byEmail: byEmail.size > 0 ? OverlayMap.with(p.byEmail, byEmail) : p.byEmail,
    sets: staleSets ? new Map() : p.sets,
  };
  if (defaultsChanged) return new CompiledAccess(next, parts); // every user's default group changed
  // Past MAX_DEPTH the chain is flattened into the new version: old versions are let go, entries kept.
  if (prev.depth >= MAX_DEPTH) return new CompiledAccess(next, parts, null, 0, prev.entriesFor(invalid));
  return new CompiledAccess(next, parts, { access: prev, invalid }, prev.depth + 1);
}
