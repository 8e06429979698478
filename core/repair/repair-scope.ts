/**
 * Which repairers a commit can have made work for (repair.ts): when the state before it was clean (a full
 * repair of it found nothing), a rule is broken after it only where the commit touched. Each detector
 * answers "may this repairer find something?" from the entities that differ between the two states; when
 * one says yes the repairer runs as always, over everything, so ops and records are those of a full repair.
 *
 * Why each is enough, given a clean `previous` (P) and the merged state S (no repairer's ops yet):
 * - per-group rules (deleted group's members, default-group grants and flags, permission names): a group
 *   that did not change held in P;
 * - archived members added: compares S with P itself, and an unchanged group has P's members;
 * - members below the group's role: an unchanged group with no changed member held in P;
 * - grants naming deleted resources: as per-group, unless an app or data source is now deleted or gone;
 * - names (groups, apps, data sources) and slugs: a clash between two unchanged entities was in P;
 * - duplicate emails: only users decide it, so any changed user runs it;
 * - no active admin: not derived from P (its candidates are), so it looks for an active admin in S.
 */
import type { App, DataSource, Grant, Group, User, WorkspaceState } from '../model.ts';
import { hasAnyFlag } from '../rules/builder-level.ts';
import { defaultGroupGrantViolation } from '../rules/default-groups.ts';
import { isIdentity } from '../rules/identity.ts';
import { changedIds, deriveNameIndex, findNamed } from '../rules/name-index.ts';
import { isReservedGroupName, normalizeName } from '../rules/names.ts';
import { isActiveAdminUser, meetsGroupRole } from '../rules/roles.ts';
import type { ConflictCode } from './conflict-codes.ts';

export { changedIds };

export interface RepairScope {
  readonly previous: WorkspaceState;
  readonly state: WorkspaceState;
  readonly groups: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
  readonly apps: ReadonlySet<string>;
  readonly dataSources: ReadonlySet<string>;
}

export function repairScope(previous: WorkspaceState, state: WorkspaceState): RepairScope {
  const scope = {
    previous,
    state,
    groups: changedIds(previous.groups, state.groups),
    users: changedIds(previous.users, state.users),
    apps: changedIds(previous.apps, state.apps),
    dataSources: changedIds(previous.dataSources, state.dataSources),
  };
  deriveNameIndex(previous.groups, state.groups, scope.groups);
  deriveNameIndex(previous.apps, state.apps, scope.apps);
  deriveNameIndex(previous.dataSources, state.dataSources, scope.dataSources);
  return scope;
}

function someChangedGroup(s: RepairScope, test: (g: Group) => boolean): boolean {
  for (const id of s.groups) {
    const g = s.state.groups.get(id);
    if (g && test(g)) return true;
  }
  return false;
}

const live = (e: { deletedAt?: number | undefined }) => e.deletedAt === undefined;
const liveCustom = (g: Group) => g.kind === 'custom' && g.deletedAt === undefined;

function someLiveGrant(g: Group, test: (grant: Grant) => boolean): boolean {
  for (const grant of g.grants.values()) if (grant.deletedAt === undefined && test(grant)) return true;
  return false;
}

function goneResource(s: RepairScope, g: Group): boolean {
  return someLiveGrant(g, (grant) => {
    if (grant.scope !== 'custom') return false;
    const pool = grant.resourceType === 'app' ? s.state.apps : s.state.dataSources;
    return grant.resourceIds.some((id) => pool.get(id)?.deletedAt !== undefined || !pool.has(id));
  });
}

function anyResourceGone(s: RepairScope): boolean {
  for (const [ids, pool] of [
    [s.apps, s.state.apps],
    [s.dataSources, s.state.dataSources],
  ] as const)
    for (const id of ids) if (pool.get(id)?.deletedAt !== undefined) return true;
  return false;
}

function memberBelowRole(s: RepairScope, g: Group): boolean {
  for (const userId of g.members) {
    const user = s.state.users.get(userId);
    if (!user || !meetsGroupRole(user, g)) return true;
  }
  return false;
}

function archivedAdded(s: RepairScope, g: Group): boolean {
  const was = s.previous.groups.get(g.id);
  for (const userId of g.members)
    if (
      !was?.members.has(userId) &&
      s.state.users.get(userId)?.status === 'archived' &&
      s.previous.users.get(userId)?.status === 'archived'
    )
      return true;
  return false;
}

function duplicatePermissionName(g: Group): boolean {
  const names = new Set<string>();
  for (const grant of g.grants.values()) {
    if (grant.deletedAt !== undefined) continue;
    const key = normalizeName(grant.name);
    if (names.has(key)) return true;
    names.add(key);
  }
  return false;
}

function groupNameClash(s: RepairScope, g: Group): boolean {
  if (g.deletedAt !== undefined) return false;
  if (g.kind === 'custom' && isReservedGroupName(g.name)) return true;
  const clash = (o: Group) => live(o) && (g.kind === 'custom' || o.kind === 'custom');
  return findNamed(s.state.groups, g.name, g.id, clash) !== undefined;
}

function resourceNameClash(s: RepairScope): boolean {
  for (const [ids, pool] of [
    [s.apps, s.state.apps],
    [s.dataSources, s.state.dataSources],
  ] as const)
    for (const id of ids) {
      const r = pool.get(id);
      if (r && live(r) && findNamed<App | DataSource>(pool, r.name, id, live)) return true;
    }
  return false;
}

function slugClash(s: RepairScope): boolean {
  for (const id of s.apps) {
    const a = s.state.apps.get(id);
    if (!a || !live(a)) continue;
    for (const o of s.state.apps.values()) if (o.id !== id && live(o) && o.slug === a.slug) return true;
  }
  return false;
}

/** Per version of the users: whether one is an active admin (only the users decide it, identities too). */
const HAS_ACTIVE_ADMIN = new WeakMap<ReadonlyMap<string, User>, boolean>();

function noActiveAdmin(state: WorkspaceState): boolean {
  if (state.users.size === 0) return false;
  let has = HAS_ACTIVE_ADMIN.get(state.users);
  if (has === undefined) {
    has = false;
    for (const u of state.users.values())
      if (isActiveAdminUser(u) && isIdentity(state, u)) {
        has = true;
        break;
      }
    HAS_ACTIVE_ADMIN.set(state.users, has);
  }
  return !has;
}

/** Per conflict code: whether its repairer may find something after a commit on a clean state. */
export const MAY_FIND: Readonly<Record<ConflictCode, (s: RepairScope) => boolean>> = {
  'member-of-deleted-group': (s) =>
    someChangedGroup(s, (g) => g.deletedAt !== undefined && g.kind === 'custom' && g.members.size > 0),
  'default-group-grant': (s) =>
    someChangedGroup(
      s,
      (g) =>
        live(g) &&
        g.kind === 'default' &&
        g.role !== undefined &&
        g.role !== 'admin' &&
        someLiveGrant(g, (grant) => !!defaultGroupGrantViolation(g.role!, grant)),
    ),
  'grant-names-deleted-resource': (s) =>
    anyResourceGone(s) || someChangedGroup(s, (g) => live(g) && goneResource(s, g)),
  'default-group-flags': (s) =>
    someChangedGroup(
      s,
      (g) => live(g) && g.kind === 'default' && g.role === 'end-user' && hasAnyFlag(g.flags),
    ),
  'archived-member-added': (s) => someChangedGroup(s, (g) => liveCustom(g) && archivedAdded(s, g)),
  'end-user-in-builder-group': (s) => {
    if (someChangedGroup(s, (g) => liveCustom(g) && memberBelowRole(s, g))) return true;
    if (s.users.size === 0) return false;
    for (const g of s.state.groups.values())
      if (liveCustom(g) && [...s.users].some((id) => g.members.has(id)) && memberBelowRole(s, g)) return true;
    return false;
  },
  'duplicate-group-name': (s) => someChangedGroup(s, (g) => groupNameClash(s, g)),
  'duplicate-permission-name': (s) => someChangedGroup(s, (g) => live(g) && duplicatePermissionName(g)),
  'duplicate-email': (s) => s.users.size > 0,
  'duplicate-resource-name': resourceNameClash,
  'duplicate-app-slug': slugClash,
  'no-active-admin': (s) => noActiveAdmin(s.state),
};
