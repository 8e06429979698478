/**
 * One error model for every shell (STYLE.md "Errors"): expected failures are values with a kebab-case
 * code and a user-facing message; HTTP status and close code are derived from the code in one table.
 */
import { CLOSE, type CloseCode } from './sync-protocol.ts';

export type ErrorCode =
  | 'invalid-input'
  | 'not-found'
  | 'name-required'
  | 'name-too-long'
  | 'name-reserved'
  | 'name-taken'
  | 'name-invalid-characters'
  | 'grant-name-required'
  | 'grant-name-too-long'
  | 'grant-name-taken'
  | 'grant-resources-required'
  | 'grant-invalid-level'
  | 'grant-hide-needs-view'
  | 'default-group-rename'
  | 'default-group-delete'
  | 'default-group-members'
  | 'admin-group-not-editable'
  | 'builder-group-scope-all-only'
  | 'end-user-view-only'
  | 'role-change-needs-confirmation'
  | 'last-admin'
  | 'user-archived'
  | 'user-not-archived'
  | 'user-exists'
  | 'invalid-email'
  | 'already-member'
  | 'not-member'
  | 'duplicate-needs-a-part'
  | 'invalid-url-pattern'
  | 'slug-taken'
  | 'invalid-slug'
  | 'nothing-to-change'
  | 'immutable-field'
  | 'default-group-create'
  | 'user-status-server-only'
  | 'conflict-server-only'
  | 'member-needs-role'
  | 'request-exists'
  | 'already-has-access'
  | 'no-group-grants'
  | 'request-decided'
  | 'undo-conflicts'
  | 'changed-meanwhile';

export interface GatehouseError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: GatehouseError };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(
  code: ErrorCode,
  message: string,
  details?: unknown,
): { ok: false; error: GatehouseError } {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

/** ToolJet's wording where it has one (reference/tooljet-groups.md). */
export const MESSAGES = {
  defaultGroupRename: 'Not allowed to change default group name',
  defaultGroupDelete: 'Cannot delete default group',
  adminNotEditable: 'Admin has edit access to all apps. These are not editable',
  endUserViewOnly: 'End-user can only have permission to view apps',
  lastAdmin: 'Cannot change role of last present admin, please add another admin and change the role',
  lastAdminArchive: 'Cannot archive the last active admin, please add another admin first',
  grantResourcesRequired: 'Please select apps or select all apps option',
  grantDataSourcesRequired: 'Please select data sources or select all data sources option',
  archivedMember: 'An archived user cannot be added to a group',
  addMembersUpgrade:
    'Adding the following user(s) to this group will change their default group from end-users to builders. Are you sure you want to continue?',
  grantUpgrade:
    'Granting this permission to the user group will result in a role change for the following user(s) from end-users to builders',
  deleteGroup: 'This group will be permanently deleted. Do you want to continue?',
  groupCreated: 'Group has been created',
  permissionsUpdated: 'Group permissions updated',
  usersAdded: 'Users added to the group',
  groupDuplicated: 'Group duplicated successfully!',
} as const;

/**
 * How an error leaves a shell: its HTTP status and, when it can end a sync socket, its close code
 * (`CLOSE` in sync-protocol.ts). Shells look rows up through one function (the server's `errorRow`).
 */
export interface ErrorRow {
  readonly status: number;
  readonly close?: CloseCode;
}

/** A refused change: over REST `status`, over sync a permanent 4422 (the client rebuilds from the server). */
const refused = (status: number) => ({ status, close: CLOSE.rejected }) as const;

/**
 * Every core code, once (STYLE.md "One error table"). `satisfies` makes the compiler refuse a code of
 * `ErrorCode` without a row, and a row without a code.
 */
export const ERRORS = {
  'invalid-input': refused(400),
  'not-found': refused(404),
  'name-required': refused(422),
  'name-too-long': refused(422),
  'name-reserved': refused(422),
  'name-taken': refused(409),
  'name-invalid-characters': refused(422),
  'grant-name-required': refused(422),
  'grant-name-too-long': refused(422),
  'grant-name-taken': refused(409),
  'grant-resources-required': refused(422),
  'grant-invalid-level': refused(422),
  'grant-hide-needs-view': refused(422),
  'default-group-rename': refused(403),
  'default-group-delete': refused(403),
  'default-group-members': refused(403),
  'admin-group-not-editable': refused(403),
  'builder-group-scope-all-only': refused(422),
  'end-user-view-only': refused(422),
  'role-change-needs-confirmation': refused(409),
  'last-admin': refused(409),
  'user-archived': refused(422),
  'user-not-archived': refused(422),
  'user-exists': refused(409),
  'invalid-email': refused(422),
  'already-member': refused(409),
  'not-member': refused(422),
  'duplicate-needs-a-part': refused(422),
  'invalid-url-pattern': refused(422),
  'slug-taken': refused(409),
  'invalid-slug': refused(422),
  'nothing-to-change': refused(422),
  'immutable-field': refused(422),
  'default-group-create': refused(403),
  'user-status-server-only': refused(422),
  'conflict-server-only': refused(422),
  'member-needs-role': refused(422),
  'request-exists': refused(409),
  'already-has-access': refused(409),
  'no-group-grants': refused(422),
  'request-decided': refused(409),
  // Undo (issue 15): later edits changed fields the change set (details.conflicts: choose), or the
  // workspace changed between the preview's plan and the commit (plan again).
  'undo-conflicts': refused(409),
  'changed-meanwhile': refused(409),
} as const satisfies Record<ErrorCode, ErrorRow>;
