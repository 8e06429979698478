/**
 * Identity by email: which user of a workspace an account (email) is. A merge can leave several users
 * with one email (an offline admin invites someone who was meanwhile invited and accepted online); every
 * reader — access, repair, the server's membership lookup, session revocation — picks the same one:
 * active before invited before archived, then the oldest, then the smaller id.
 */
import type { User, UserStatus, WorkspaceState } from '../model.ts';

const STATUS_RANK: Readonly<Record<UserStatus, number>> = { active: 0, invited: 1, archived: 2 };

/** Negative when `a` is the identity rather than `b`. */
export function compareIdentity(
  a: Pick<User, 'status' | 'createdAt' | 'id'>,
  b: Pick<User, 'status' | 'createdAt' | 'id'>,
): number {
  return (
    STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
    a.createdAt - b.createdAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

const indexes = new WeakMap<WorkspaceState, ReadonlyMap<string, User>>();

/** Every email's identity in a state (built once per state object). */
export function identities(state: WorkspaceState): ReadonlyMap<string, User> {
  let index = indexes.get(state);
  if (!index) {
    const m = new Map<string, User>();
    for (const u of state.users.values()) {
      const cur = m.get(u.email);
      if (!cur || compareIdentity(u, cur) < 0) m.set(u.email, u);
    }
    indexes.set(state, m);
    index = m;
  }
  return index;
}

/** The user an email is in this workspace, or null. */
export function identityFor(state: WorkspaceState, email: string): User | null {
  return identities(state).get(email.trim().toLowerCase()) ?? null;
}

/** Whether `user` is its email's identity (a duplicate that is not has no access until repair archives it). */
export function isIdentity(state: WorkspaceState, user: User): boolean {
  return identities(state).get(user.email) === user;
}
