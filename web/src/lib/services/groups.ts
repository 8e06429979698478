/** Group mutations with ToolJet's toasts. */
import { type Flags, type Grant, MESSAGES } from '../../../../core/index.ts';
import { run } from './mutate.ts';

type GrantInput = Pick<
  Grant,
  'name' | 'resourceType' | 'scope' | 'resourceIds' | 'level' | 'hideFromDashboard'
>;

export const groupService = {
  create: (name: string) =>
    run(
      { type: 'group.create', name },
      { summary: `Create group “${name.trim()}”`, success: MESSAGES.groupCreated, quiet: true },
    ),
  rename: (groupId: string, name: string, oldName: string) =>
    run(
      { type: 'group.rename', groupId, name },
      {
        summary: `Rename group “${oldName}” to “${name.trim()}”`,
        success: 'Group name updated',
        quiet: true,
      },
    ),
  delete: (groupId: string, name: string) =>
    run({ type: 'group.delete', groupId }, { summary: `Delete group “${name}”`, success: 'Group deleted' }),
  duplicate: (
    groupId: string,
    name: string,
    parts: { users: boolean; permissions: boolean; apps: boolean; dataSources: boolean },
  ) =>
    run(
      { type: 'group.duplicate', groupId, parts },
      { summary: `Duplicate group “${name}”`, success: MESSAGES.groupDuplicated },
    ),
  /** `expiresAt`: a temporary membership (epoch ms); omitted: permanent. */
  addMembers: (groupId: string, groupName: string, userIds: string[], expiresAt?: number) =>
    run(
      { type: 'group.addMembers', groupId, userIds, ...(expiresAt === undefined ? {} : { expiresAt }) },
      {
        summary: `Add ${userIds.length} user(s) to “${groupName}”${expiresAt === undefined ? '' : ` until ${new Date(expiresAt).toLocaleDateString()}`}`,
        success: MESSAGES.usersAdded,
      },
    ),
  /** Extends or shortens a manual membership, or makes it permanent (null). */
  setMemberExpiry: (
    groupId: string,
    groupName: string,
    userId: string,
    email: string,
    expiresAt: number | null,
  ) =>
    run(
      { type: 'group.setMemberExpiry', groupId, userId, expiresAt },
      {
        summary:
          expiresAt === null
            ? `Make ${email}’s membership of “${groupName}” permanent`
            : `Extend ${email}’s membership of “${groupName}” to ${new Date(expiresAt).toLocaleDateString()}`,
        success: expiresAt === null ? 'Membership made permanent' : 'Membership extended',
      },
    ),
  removeMember: (groupId: string, groupName: string, userId: string, email: string) =>
    run(
      { type: 'group.removeMember', groupId, userId },
      {
        summary: `Remove ${email} from “${groupName}”`,
        success: 'User removed from the group',
        undo: {
          command: { type: 'group.addMembers', groupId, userIds: [userId] },
          summary: `Add ${email} back to “${groupName}”`,
          success: `${email} is back in “${groupName}”`,
        },
      },
    ),
  setFlags: (groupId: string, groupName: string, flags: Partial<Flags>) =>
    run(
      { type: 'group.setFlags', groupId, flags },
      { summary: `Change permissions of “${groupName}”`, success: MESSAGES.permissionsUpdated },
    ),
  addGrant: (groupId: string, groupName: string, grant: GrantInput) =>
    run(
      { type: 'grant.add', groupId, grant },
      {
        summary: `Add permission “${grant.name}” to “${groupName}”`,
        success: MESSAGES.permissionsUpdated,
        quiet: true,
      },
    ),
  updateGrant: (groupId: string, groupName: string, grantId: string, patch: Partial<GrantInput>) =>
    run(
      { type: 'grant.update', groupId, grantId, patch },
      { summary: `Change permission in “${groupName}”`, success: MESSAGES.permissionsUpdated, quiet: true },
    ),
  removeGrant: (groupId: string, groupName: string, grantId: string, grantName: string) =>
    run(
      { type: 'grant.remove', groupId, grantId },
      {
        summary: `Remove permission “${grantName}” from “${groupName}”`,
        success: MESSAGES.permissionsUpdated,
      },
    ),
};
