/**
 * The per-state access index, built once per state object (a state is immutable; a new version is a new
 * object). It holds the *effective* memberships: rule-breaking parts of a merged state are ignored here,
 * so every reader computes least-privilege access even before the server's repair arrives.
 */
import type { Group, Role, User, WorkspaceState } from '../model.ts';
import { isBuilderLevel } from '../rules/builder-level.ts';
import { effectiveDefaultGroup } from '../rules/default-groups.ts';
import { roleRank } from '../rules/levels.ts';
import { requiredRole } from '../rules/roles.ts';

export interface AccessIndex {
  readonly state: WorkspaceState;
  readonly defaultGroups: Readonly<Record<Role, Group>>;
  /** Effective custom-group memberships per user (live groups, valid members only). */
  readonly userGroups: ReadonlyMap<string, readonly Group[]>;
  /** Memberships that a merge left breaking a rule; ignored for access, listed for explanations. */
  readonly ignoredMemberships: ReadonlyMap<string, readonly Group[]>;
  readonly builderLevel: ReadonlyMap<string, boolean>;
  readonly usersByEmail: ReadonlyMap<string, User>;
  readonly liveCustomGroups: readonly Group[];
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
    const need = roleRank(requiredRole(g));
    for (const userId of g.members) {
      const user = state.users.get(userId);
      if (!user) continue;
      if (roleRank(user.role) < need) push(ignored, userId, g);
      else push(userGroups, userId, g);
    }
  }
  const usersByEmail = new Map<string, User>();
  // One user per email: a merge can make two (concurrent invites). Pick the same one on every replica,
  // whatever the doc's iteration order: unarchived first, then the oldest.
  const rank = (u: User) => [u.status === 'archived' ? 1 : 0, u.createdAt, u.id] as const;
  const before = (a: User, b: User) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
  };
  for (const u of state.users.values()) {
    const cur = usersByEmail.get(u.email);
    if (!cur || before(u, cur) < 0) usersByEmail.set(u.email, u);
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
    usersByEmail,
    liveCustomGroups,
  };
}
