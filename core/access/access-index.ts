/**
 * The per-state access index, built once per state object (a state is immutable; a new version is a new
 * object). It holds the *effective* memberships: rule-breaking parts of a merged state are ignored here,
 * so every reader computes least-privilege access even before the server's repair arrives.
 */
import type { Group, Role, User, WorkspaceState } from '../model.ts';
import { isBuilderLevel } from '../rules/builder-level.ts';
import { effectiveDefaultGroup } from '../rules/default-groups.ts';
import { identities } from '../rules/identity.ts';
import { meetsRole, requiredRole } from '../rules/roles.ts';

export interface AccessIndex {
  readonly state: WorkspaceState;
  readonly defaultGroups: Readonly<Record<Role, Group>>;
  /** Effective custom-group memberships per user (live groups, valid members only). */
  readonly userGroups: ReadonlyMap<string, readonly Group[]>;
  /** Memberships that a merge left breaking a rule; ignored for access, listed for explanations. */
  readonly ignoredMemberships: ReadonlyMap<string, readonly Group[]>;
  readonly builderLevel: ReadonlyMap<string, boolean>;
  /** Each email's identity (rules/identity.ts). */
  readonly usersByEmail: ReadonlyMap<string, User>;
  readonly liveCustomGroups: readonly Group[];
}

/**
 * What one user's access is made of — the one place of rules 4–7 and identity, read by computeAccess
 * (UserAccess, with reasons) and by the compiled form (compiled-access.ts, vectors).
 */
export interface AccessSources {
  /** The user as access reads them: a second user with the same email counts as archived until repair. */
  readonly user: User;
  /** False for archived users: they keep memberships but have no access (rule 7). */
  readonly hasAccess: boolean;
  /** The role's default group first (Admin: everything), then the custom memberships that count. */
  readonly groups: readonly Group[];
  /** Memberships a merge left breaking rules 4–5 (a builder-level group of an End-user): no access. */
  readonly ignored: readonly Group[];
}

/**
 * The sources of a user's access from their live custom memberships (any order), their email's identity
 * (rules/identity.ts) and the effective default groups. `need` is rules/roles.ts `requiredRole`, or a
 * cache of it (the compiled form keeps it per compiled group).
 */
export function accessSources(
  user: User,
  identity: User | undefined,
  defaultGroups: Readonly<Record<Role, Group>>,
  memberships: Iterable<Group>,
  need: (group: Group) => Role = requiredRole,
): AccessSources {
  const effective =
    identity === user || user.status === 'archived' ? user : { ...user, status: 'archived' as const };
  const groups: Group[] = [defaultGroups[user.role]];
  const ignored: Group[] = [];
  for (const g of memberships) (meetsRole(user.role, need(g)) ? groups : ignored).push(g);
  return { user: effective, hasAccess: effective.status !== 'archived', groups, ignored };
}

/** `accessSources` of a user of the index's state. */
export function sourcesInIndex(index: AccessIndex, user: User): AccessSources {
  const counted = index.userGroups.get(user.id);
  const ignored = index.ignoredMemberships.get(user.id);
  const memberships = !ignored ? (counted ?? []) : !counted ? ignored : [...counted, ...ignored];
  return accessSources(user, index.usersByEmail.get(user.email), index.defaultGroups, memberships);
}

const cache = new WeakMap<WorkspaceState, AccessIndex>();

export function accessIndex(state: WorkspaceState): AccessIndex {
  let index = cache.get(state);
  if (!index) {
    index = buildIndex(state);
    cache.set(state, index);
  }
  return index;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function buildIndex(state: WorkspaceState): AccessIndex {
  const userGroups = new Map<string, Group[]>();
  const ignored = new Map<string, Group[]>();
  const builderLevel = new Map<string, boolean>();
  const liveCustomGroups: Group[] = [];
  for (const g of state.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined) continue;
    liveCustomGroups.push(g);
    const builder = isBuilderLevel(g);
    builderLevel.set(g.id, builder);
    const need = requiredRole(g);
    for (const userId of g.members) {
      const user = state.users.get(userId);
      if (!user) continue;
      if (!meetsRole(user.role, need)) push(ignored, userId, g);
      else push(userGroups, userId, g);
    }
  }
  return {
    state,
    defaultGroups: {
      admin: effectiveDefaultGroup(state, 'admin'),
      builder: effectiveDefaultGroup(state, 'builder'),
      'end-user': effectiveDefaultGroup(state, 'end-user'),
    },
    userGroups,
    ignoredMemberships: ignored,
    builderLevel,
    usersByEmail: identities(state),
    liveCustomGroups,
  };
}
