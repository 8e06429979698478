/**
 * One error model for every shell (STYLE.md "Errors"): expected failures are values with a kebab-case
 * code and a user-facing message; HTTP status and UI text are derived from the code in one place each.
 */

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
  | 'nothing-to-change';

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

/** HTTP status for each error code (used by the REST API; kept here so every shell agrees). */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'not-found':
      return 404;
    case 'name-taken':
    case 'grant-name-taken':
    case 'role-change-needs-confirmation':
    case 'last-admin':
    case 'user-exists':
    case 'slug-taken':
    case 'already-member':
      return 409;
    case 'default-group-rename':
    case 'default-group-delete':
    case 'default-group-members':
    case 'admin-group-not-editable':
      return 403;
    default:
      return 422;
  }
}
