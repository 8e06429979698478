/** Rule 4: the role upgrades that joining a builder-level group implies (applied only with consent). */

import type { WorkspaceState } from '../model.ts';
import type { Op } from '../ops.ts';

export function upgradeOps(state: WorkspaceState, userIds: Iterable<string>): Op[] {
  const ops: Op[] = [];
  for (const id of userIds) {
    const u = state.users.get(id);
    if (u && u.role === 'end-user')
      ops.push({ type: 'entity.set', collection: 'users', id, fields: { role: 'builder' } });
  }
  return ops;
}
