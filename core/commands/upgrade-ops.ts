/** Rule 4: the role upgrades that joining a builder-level group implies (applied only with consent). */

import type { Group, WorkspaceState } from '../model.ts';
import type { Op } from '../ops.ts';
import { upgradedRole } from '../rules/roles.ts';

/** Ops raising each user to the role `group` (in its shape after the change) needs of its members. */
export function upgradeOps(
  state: WorkspaceState,
  userIds: Iterable<string>,
  group: Pick<Group, 'flags' | 'grants'>,
): Op[] {
  const ops: Op[] = [];
  for (const id of userIds) {
    const u = state.users.get(id);
    if (!u) continue;
    const role = upgradedRole(u.role, [group]);
    if (role !== u.role) ops.push({ type: 'entity.set', collection: 'users', id, fields: { role } });
  }
  return ops;
}
