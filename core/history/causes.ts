/**
 * Which change caused an access change between two moments: the latest audit entry of the window that
 * wrote the user, a group the user was in at either moment (or their role's default group), or the
 * resource itself. Entries are only read, never replayed: the access rows themselves come from the states.
 */
import type { ResourceType, WorkspaceState } from '../model.ts';

/** When entities were last touched in the window: the highest audit id naming each, by collection and id. */
export class LatestTouches {
  private readonly byCollection = new Map<string, Map<string, number>>();

  /** Records that audit entry `auditId` named the entity. */
  add(collection: string, id: string, auditId: number): void {
    let byId = this.byCollection.get(collection);
    if (!byId) this.byCollection.set(collection, (byId = new Map()));
    const seen = byId.get(id);
    if (seen === undefined || seen < auditId) byId.set(id, auditId);
  }

  get(collection: string, id: string): number | undefined {
    return this.byCollection.get(collection)?.get(id);
  }
}

/**
 * Per user of `users`, the groups that can give them access at either moment: custom groups they are in,
 * default groups of their role (what their changes' causes are looked for among, with the user and the
 * resource: computed where the states are, used where the audit entries are).
 */
export function causeGroups(
  before: WorkspaceState,
  after: WorkspaceState,
  users: ReadonlySet<string>,
): Map<string, string[]> {
  const states = [before, after];
  const out = new Map<string, string[]>();
  for (const id of users) out.set(id, []);
  const byRole = new Map<string, string[]>();
  for (const s of states)
    for (const g of s.groups.values()) {
      if (g.kind === 'default' && g.role) byRole.set(g.role, [...(byRole.get(g.role) ?? []), g.id]);
      for (const m of g.members) out.get(m)?.push(g.id);
    }
  for (const [id, list] of out)
    for (const s of states) {
      const role = s.users.get(id)?.role;
      if (role) list.push(...(byRole.get(role) ?? []));
    }
  return out;
}

/** What a change's cause depends on: whose access, on which resource. */
export interface CausedChange {
  readonly userId: string;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
}

/** For each change, the latest entry (highest audit id) that touched what decides it, or null. */
export function attributeCauses(
  changes: readonly CausedChange[],
  groupsOf: ReadonlyMap<string, readonly string[]>,
  latest: LatestTouches,
): (number | null)[] {
  const perUser = new Map<string, number | null>();
  const best = (a: number | null, b: number | undefined) =>
    b !== undefined && (a === null || a < b) ? b : a;
  return changes.map((c) => {
    let userBest = perUser.get(c.userId);
    if (userBest === undefined) {
      userBest = best(null, latest.get('users', c.userId));
      for (const g of groupsOf.get(c.userId) ?? []) userBest = best(userBest, latest.get('groups', g));
      perUser.set(c.userId, userBest);
    }
    const collection = c.resourceType === 'app' ? 'apps' : 'dataSources';
    return best(userBest, latest.get(collection, c.resourceId));
  });
}
