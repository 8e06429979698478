/**
 * Which change caused an access change between two moments: the latest audit entry of the window that
 * wrote the user, a group the user was in at either moment (or their role's default group), or the
 * resource itself. Entries are only read, never replayed: the access rows themselves come from the states.
 */
import type { WorkspaceState } from '../model.ts';
import type { AccessDelta } from './access-between.ts';

/** What attribution reads of an audit entry. */
export interface CauseEntry {
  readonly id: number;
  readonly entities: readonly { readonly collection: string; readonly id: string }[];
}

const key = (collection: string, id: string) => `${collection}\u0000${id}`;

/** Per user, the groups that can give them access at either moment: custom groups they are in, default groups of their role. */
function groupIndex(states: readonly WorkspaceState[]): (userId: string) => string[] {
  const custom = new Map<string, string[]>();
  const byRole = new Map<string, string[]>();
  for (const s of states)
    for (const g of s.groups.values()) {
      if (g.kind === 'default' && g.role) byRole.set(g.role, [...(byRole.get(g.role) ?? []), g.id]);
      for (const m of g.members) {
        let list = custom.get(m);
        if (!list) custom.set(m, (list = []));
        list.push(g.id);
      }
    }
  return (userId) => {
    const out = [...(custom.get(userId) ?? [])];
    for (const s of states) {
      const role = s.users.get(userId)?.role;
      if (role) out.push(...(byRole.get(role) ?? []));
    }
    return out;
  };
}

/** For each change, the latest entry (highest id) that touched what decides it, or null. */
export function attributeCauses<E extends CauseEntry>(
  before: WorkspaceState,
  after: WorkspaceState,
  changes: readonly AccessDelta[],
  entries: readonly E[],
): (E | null)[] {
  const latest = new Map<string, E>();
  for (const e of entries)
    for (const x of e.entities) {
      const k = key(x.collection, x.id);
      const seen = latest.get(k);
      if (!seen || seen.id < e.id) latest.set(k, e);
    }
  const groupsOf = groupIndex([before, after]);
  const perUser = new Map<string, E | null>();
  const best = (a: E | null, b: E | undefined) => (b && (!a || a.id < b.id) ? b : a);
  return changes.map((c) => {
    let userBest = perUser.get(c.userId);
    if (userBest === undefined) {
      userBest = best(null, latest.get(key('users', c.userId)));
      for (const g of groupsOf(c.userId)) userBest = best(userBest, latest.get(key('groups', g)));
      perUser.set(c.userId, userBest);
    }
    const collection = c.resourceType === 'app' ? 'apps' : 'dataSources';
    return best(userBest, latest.get(key(collection, c.resourceId)));
  });
}
