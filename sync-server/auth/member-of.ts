/**
 * Links an account to its user in a workspace doc by email: core's identity rule (rules/identity.ts), so
 * the server, access and repair always agree on who an account is.
 */
import * as Y from 'yjs';
import {
  compareIdentity,
  identityFor,
  isActiveAdminUser,
  readUser,
  type User,
  type WorkspaceState,
} from '../../core/index.ts';

export function userByEmail(state: WorkspaceState, email: string): User | null {
  return identityFor(state, email);
}

export function isActiveAdmin(state: WorkspaceState, email: string): boolean {
  const u = identityFor(state, email);
  return u !== null && isActiveAdminUser(u);
}

/**
 * The same pick as `userByEmail`, read straight from the doc's users (no full state). For the check at
 * connect time on a doc just loaded, whose full read costs far more than scanning one map.
 */
export function userByEmailInDoc(doc: Y.Doc, email: string): User | null {
  const wanted = email.trim().toLowerCase();
  let found: User | null = null;
  for (const [id, m] of doc.getMap('users')) {
    if (!(m instanceof Y.Map)) continue;
    const u = readUser(id, m as Y.Map<unknown>);
    if (u.email !== wanted) continue;
    if (!found || compareIdentity(u, found) < 0) found = u;
  }
  return found;
}
