/**
 * The one-step "Re-apply" of a conflict: the command that makes again the change an admin meant and repair
 * undid, or null when there is none (a rename, a restored admin) or it no longer applies. Pure; the command
 * goes through `plan` like any other, so a re-apply that upgrades users asks for consent (rule 4).
 */
import type { Command } from '../commands/command.ts';
import type { Conflict, WorkspaceState } from '../model.ts';
import { type ConflictCode, isConflictCode } from './conflict-codes.ts';

type Reapply = (state: WorkspaceState, conflict: Conflict) => Command | null;

const nothing: Reapply = () => null;

/**
 * End-users removed from a builder-level group: add them again (the plan then asks to make them Builders),
 * as the source that asked (an SSO or SCIM connection's hold), so its next sync still owns them.
 */
const addMembersAgain: Reapply = (state, conflict) => {
  const ref = conflict.entities.find((e) => e.collection === 'groups');
  const g = ref ? state.groups.get(ref.id) : undefined;
  if (!g || g.deletedAt !== undefined) return null;
  const userIds = conflict.entities
    .filter(
      (e) => e.collection === 'users' && state.users.get(e.id)?.status !== 'archived' && !g.members.has(e.id),
    )
    .map((e) => e.id);
  if (userIds.length === 0) return null;
  const source = conflict.edits.find((e) => e.source !== undefined)?.source;
  return { type: 'group.addMembers', groupId: g.id, userIds, ...(source ? { source } : {}) };
};

const REAPPLY: Readonly<Record<ConflictCode, Reapply>> = {
  'member-of-deleted-group': nothing,
  'default-group-grant': nothing,
  'grant-names-deleted-resource': nothing,
  'default-group-flags': nothing,
  // Archived users cannot join a group: restoring them comes first, and is not the change that was meant.
  'archived-member-added': nothing,
  'end-user-in-builder-group': addMembersAgain,
  'duplicate-group-name': nothing,
  'duplicate-permission-name': nothing,
  'duplicate-email': nothing,
  'duplicate-resource-name': nothing,
  'duplicate-app-slug': nothing,
  'no-active-admin': nothing,
};

export function reapplyCommand(state: WorkspaceState, conflict: Conflict): Command | null {
  return isConflictCode(conflict.code) ? REAPPLY[conflict.code](state, conflict) : null;
}
