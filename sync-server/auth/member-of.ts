/**
 * Links an account to its user in a workspace doc by lower-cased email. If a merge left two users with
 * one email, the active one wins, then the oldest: deterministic, and never more than one identity.
 */
import * as Y from 'yjs';
// Not re-exported by core/index.ts: the one reading of a user, used here without reading the whole state.
import { readUser, type User, type WorkspaceState } from '../../core/index.ts';

const indexes = new WeakMap<WorkspaceState, Map<string, User>>();

function better(a: User, b: User): User {
  if ((a.status === 'active') !== (b.status === 'active')) return a.status === 'active' ? a : b;
  return a.createdAt <= b.createdAt ? a : b;
}

export function userByEmail(state: WorkspaceState, email: string): User | null {
  let index = indexes.get(state);
  if (!index) {
    index = new Map();
    for (const u of state.users.values()) {
      const cur = index.get(u.email);
      index.set(u.email, cur ? better(cur, u) : u);
    }
    indexes.set(state, index);
  }
  return index.get(email.toLowerCase()) ?? null;
}

export function isActiveAdmin(state: WorkspaceState, email: string): boolean {
  const u = userByEmail(state, email);
  return u !== null && u.status === 'active' && u.role === 'admin';
}

/**
 * The same pick as `userByEmail`, read straight from the doc's users (no full state). For the check at
 * connect time on a doc just loaded, whose full read costs far more than scanning one map.
 */
export function userByEmailInDoc(doc: Y.Doc, email: string): User | null {
  const wanted = email.toLowerCase();
  let found: User | null = null;
  for (const [id, m] of doc.getMap('users')) {
    if (!(m instanceof Y.Map)) continue;
    const e = m.get('email');
    if (typeof e !== 'string' || e.toLowerCase() !== wanted) continue;
    const u = readUser(id, m as Y.Map<unknown>);
    found = found ? better(found, u) : u;
  }
  return found;
}
