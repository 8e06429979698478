/**
 * The three default groups (SPEC.md §1 "Default groups"). Admin is fixed and never read from the doc;
 * Builder's flags are editable and its grants must use scope "all"; End-user may only hold View app grants.
 */
import { MESSAGES } from '../errors.ts';
import {
  ALL_FLAGS,
  type Flags,
  type Grant,
  type Group,
  NO_FLAGS,
  type Role,
  type WorkspaceState,
} from '../model.ts';

const FIXED_AT = 0;

/** What a refused change to a default group says, on every path. */
export const DEFAULT_GROUP_MESSAGES = {
  rename: MESSAGES.defaultGroupRename,
  delete: MESSAGES.defaultGroupDelete,
  members: 'Members of a default group are the users with that role: change the user’s role',
  adminNotEditable: MESSAGES.adminNotEditable,
  endUserViewOnly: MESSAGES.endUserViewOnly,
  builderScopeAll: 'Builder permissions may only apply to all apps or all data sources',
} as const;

function allGrant(
  id: string,
  name: string,
  resourceType: Grant['resourceType'],
  level: Grant['level'],
): Grant {
  return {
    id,
    name,
    resourceType,
    scope: 'all',
    resourceIds: [],
    level,
    hideFromDashboard: false,
    createdAt: FIXED_AT,
  };
}

function grantMap(...grants: Grant[]): ReadonlyMap<string, Grant> {
  return new Map(grants.map((g) => [g.id, g]));
}

/** What each default group holds in a new workspace. */
export const DEFAULT_GROUP_CONTENT: Readonly<
  Record<Role, { name: string; flags: Flags; grants: readonly Grant[] }>
> = {
  admin: {
    name: 'Admin',
    flags: ALL_FLAGS,
    grants: [
      allGrant('admin-apps', 'Apps', 'app', 'edit'),
      allGrant('admin-data-sources', 'Data sources', 'dataSource', 'configure'),
    ],
  },
  builder: {
    name: 'Builder',
    flags: ALL_FLAGS,
    grants: [
      allGrant('builder-apps', 'Apps', 'app', 'edit'),
      allGrant('builder-data-sources', 'Data sources', 'dataSource', 'configure'),
    ],
  },
  'end-user': {
    name: 'End-user',
    flags: NO_FLAGS,
    grants: [allGrant('end-user-apps', 'Apps', 'app', 'view')],
  },
};

function synthetic(role: Role): Group {
  const c = DEFAULT_GROUP_CONTENT[role];
  return {
    id: `default-${role}`,
    name: c.name,
    kind: 'default',
    role,
    flags: c.flags,
    members: new Set(),
    memberships: new Map(),
    grants: grantMap(...c.grants),
    createdAt: FIXED_AT,
  };
}

const SYNTHETIC: Readonly<Record<Role, Group>> = {
  admin: synthetic('admin'),
  builder: synthetic('builder'),
  'end-user': synthetic('end-user'),
};

/** The stored default group of a role (oldest if a merge made two), or a built-in one. */
export function storedDefaultGroup(state: WorkspaceState, role: Role): Group | undefined {
  let found: Group | undefined;
  for (const g of state.groups.values()) {
    if (g.kind !== 'default' || g.role !== role || g.deletedAt !== undefined) continue;
    if (!found || g.createdAt < found.createdAt || (g.createdAt === found.createdAt && g.id < found.id))
      found = g;
  }
  return found;
}

/**
 * The default group as access sees it: Admin always fixed; the stored Builder and End-user groups with any
 * rule-breaking part ignored (least privilege).
 */
export function effectiveDefaultGroup(state: WorkspaceState, role: Role): Group {
  const stored = storedDefaultGroup(state, role);
  if (role === 'admin') return stored ? { ...SYNTHETIC.admin, id: stored.id } : SYNTHETIC.admin;
  if (!stored) return SYNTHETIC[role];
  const grants = new Map<string, Grant>();
  for (const g of stored.grants.values()) {
    if (g.deletedAt !== undefined) continue;
    if (defaultGroupGrantViolation(role, g) === null) grants.set(g.id, g);
  }
  return { ...stored, flags: role === 'end-user' ? NO_FLAGS : stored.flags, grants };
}

/** Why a grant may not sit in a default group, or null when it may. */
export function defaultGroupGrantViolation(
  role: Role,
  grant: Pick<Grant, 'scope' | 'level' | 'resourceType'>,
): 'admin-group-not-editable' | 'builder-group-scope-all-only' | 'end-user-view-only' | null {
  if (role === 'admin') return 'admin-group-not-editable';
  if (role === 'builder') return grant.scope === 'all' ? null : 'builder-group-scope-all-only';
  return grant.resourceType === 'app' && grant.level === 'view' ? null : 'end-user-view-only';
}

/** Restrictions of a default group, shown by the UI as disabled controls with their reason. */
export interface DefaultGroupRestrictions {
  readonly canRename: false;
  readonly canDelete: false;
  readonly canEditMembers: false;
  readonly canEditFlags: boolean;
  readonly canEditGrants: boolean;
  readonly allowedScopes: readonly ('all' | 'custom')[];
  readonly allowedAppLevels: readonly ('edit' | 'view')[];
  readonly allowsDataSourceGrants: boolean;
  readonly reason: string;
}

export function defaultGroupRestrictions(role: Role): DefaultGroupRestrictions {
  const base = { canRename: false, canDelete: false, canEditMembers: false } as const;
  if (role === 'admin')
    return {
      ...base,
      canEditFlags: false,
      canEditGrants: false,
      allowedScopes: [],
      allowedAppLevels: [],
      allowsDataSourceGrants: false,
      reason: 'Admin has edit access to all apps. These are not editable',
    };
  if (role === 'builder')
    return {
      ...base,
      canEditFlags: true,
      canEditGrants: true,
      allowedScopes: ['all'],
      allowedAppLevels: ['edit', 'view'],
      allowsDataSourceGrants: true,
      reason:
        'Builder permissions may only apply to all apps or all data sources. Members are the users with the Builder role.',
    };
  return {
    ...base,
    canEditFlags: false,
    canEditGrants: true,
    allowedScopes: ['all', 'custom'],
    allowedAppLevels: ['view'],
    allowsDataSourceGrants: false,
    reason: 'End-user can only have permission to view apps. Members are the users with the End-user role.',
  };
}
