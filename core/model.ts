/**
 * The Gatehouse model (SPEC.md §1): plain, immutable data read from a workspace Y.Doc.
 * Tombstoned entities stay in the maps with `deletedAt` set; use the `live*` helpers to skip them.
 */

export const ROLES = ['admin', 'builder', 'end-user'] as const;
export type Role = (typeof ROLES)[number];

export const USER_STATUSES = ['invited', 'active', 'archived'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** The six workspace flags, with ToolJet's names. */
export const FLAGS = [
  'appCreate',
  'appDelete',
  'folderCRUD',
  'orgConstantCRUD',
  'dataSourceCreate',
  'dataSourceDelete',
] as const;
export type Flag = (typeof FLAGS)[number];
export type Flags = Readonly<Record<Flag, boolean>>;

export const FLAG_LABELS: Readonly<Record<Flag, string>> = {
  appCreate: 'Apps: create',
  appDelete: 'Apps: delete',
  folderCRUD: 'Folders: create/update/delete',
  orgConstantCRUD: 'Workspace constants: create/update/delete',
  dataSourceCreate: 'Data sources: create',
  dataSourceDelete: 'Data sources: delete',
};

export const RESOURCE_TYPES = ['app', 'dataSource'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export const SCOPES = ['all', 'custom'] as const;
export type Scope = (typeof SCOPES)[number];
export const APP_LEVELS = ['edit', 'view'] as const;
export type AppLevel = (typeof APP_LEVELS)[number];
export const DATA_SOURCE_LEVELS = ['configure', 'use'] as const;
export type DataSourceLevel = (typeof DATA_SOURCE_LEVELS)[number];
export type Level = AppLevel | DataSourceLevel;

export const LEVEL_LABELS: Readonly<Record<Level, string>> = {
  edit: 'Edit',
  view: 'View',
  configure: 'Configure',
  use: 'Build with',
};
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  admin: 'Admin',
  builder: 'Builder',
  'end-user': 'End-user',
};

/** A granular permission of a group. */
export interface Grant {
  readonly id: string;
  /** 1–50 characters, unique within its group (ignoring case). */
  readonly name: string;
  readonly resourceType: ResourceType;
  /** `all` includes resources created later; `custom` lists `resourceIds`. */
  readonly scope: Scope;
  readonly resourceIds: readonly string[];
  readonly level: Level;
  /** Only with app grants at View: reachable by URL only. */
  readonly hideFromDashboard: boolean;
  readonly createdAt: number;
  readonly deletedAt?: number | undefined;
}

/**
 * Where a membership comes from: added by hand (an admin, REST, an approved request) or kept by one SSO or
 * SCIM connection, which adds and removes only its own (SPEC §8).
 */
export type MembershipSource = 'manual' | `sso:${string}` | `scim:${string}`;

/** One source's membership of a user in a custom group. */
export interface Membership {
  readonly source: MembershipSource;
  /** Epoch ms from which it gives no access (the server's clock decides); undefined: permanent. */
  readonly expiresAt?: number | undefined;
}

export interface Group {
  readonly id: string;
  readonly name: string;
  /** Default groups are the three roles; their members are the users with that role. */
  readonly kind: 'default' | 'custom';
  /** Set on default groups only. */
  readonly role?: Role | undefined;
  readonly flags: Flags;
  /**
   * The effective members (custom groups only): user ids with a membership that had not expired at the
   * time the group was read (read-entities.ts `readGroup`). Every access rule reads this set.
   */
  readonly members: ReadonlySet<string>;
  /**
   * Every stored membership by user id, one entry per source, expired ones included until the server
   * removes them (rules/memberships.ts reads them).
   */
  readonly memberships: ReadonlyMap<string, readonly Membership[]>;
  readonly grants: ReadonlyMap<string, Grant>;
  readonly createdAt: number;
  readonly deletedAt?: number | undefined;
}

export interface User {
  readonly id: string;
  /** Lower-cased; links the user to a server account. */
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly status: UserStatus;
  readonly createdAt: number;
  /** When the user first became active (accepted the invitation); restore never skips that step. */
  readonly activatedAt?: number | undefined;
}

export interface App {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  /** e.g. `https://hr.corp.com/*`; see rules/url-pattern-syntax.ts. */
  readonly urlPatterns: readonly string[];
  /**
   * Forward auth (issue 14): the level every request to the app needs at the proxy. Unset: by method —
   * GET and HEAD need View, other methods Edit. `view`: every method needs View (an app whose POSTs only
   * read, e.g. searches); `edit`: every request needs Edit (an app only its editors may open).
   */
  readonly forwardAuthLevel?: AppLevel | undefined;
  readonly createdAt: number;
  readonly deletedAt?: number | undefined;
}

/** How an app's forward-auth level reads (its page, History): unset is by method. */
export function forwardAuthLevelText(level: AppLevel | undefined): string {
  if (level === 'view') return 'View for every request';
  if (level === 'edit') return 'Edit for every request';
  return 'By method: View to read (GET, HEAD), Edit for anything else';
}

export interface DataSource {
  readonly id: string;
  readonly name: string;
  /** e.g. `postgres`, `restapi`. */
  readonly kind: string;
  readonly createdAt: number;
  readonly deletedAt?: number | undefined;
}

/** A repair the server made after a merge broke a rule (ARCHITECTURE.md "Data"). */
export interface Conflict {
  readonly id: string;
  /** A `ConflictCode` (repair/conflict-codes.ts) when this version wrote it; plain text as stored. */
  readonly code: string;
  readonly message: string;
  readonly entities: readonly EntityRef[];
  /** The edits that met, as the server knows them (author, time, what). */
  readonly edits: readonly ConflictEdit[];
  /** The repair the server applied, in words. */
  readonly repair: string;
  readonly createdAt: number;
  readonly resolvedAt?: number | undefined;
}

export interface ConflictEdit {
  readonly actor: string;
  readonly at: number;
  readonly summary: string;
  /** The membership source the edit was made as (an SSO or SCIM connection's); absent: manual. */
  readonly source?: MembershipSource | undefined;
}

export type Collection = 'users' | 'groups' | 'apps' | 'dataSources' | 'conflicts';
export interface EntityRef {
  readonly collection: Collection;
  readonly id: string;
  readonly name?: string | undefined;
}

export interface WorkspaceMeta {
  readonly name: string;
  readonly slug: string;
}

/** One workspace's replicated state at one version. */
export interface WorkspaceState {
  /** Increases with every change read from the doc; index caches key on the state object. */
  readonly version: number;
  readonly meta: WorkspaceMeta;
  readonly users: ReadonlyMap<string, User>;
  readonly groups: ReadonlyMap<string, Group>;
  readonly apps: ReadonlyMap<string, App>;
  readonly dataSources: ReadonlyMap<string, DataSource>;
  readonly conflicts: ReadonlyMap<string, Conflict>;
}

export const NO_FLAGS: Flags = Object.freeze({
  appCreate: false,
  appDelete: false,
  folderCRUD: false,
  orgConstantCRUD: false,
  dataSourceCreate: false,
  dataSourceDelete: false,
});
export const ALL_FLAGS: Flags = Object.freeze({
  appCreate: true,
  appDelete: true,
  folderCRUD: true,
  orgConstantCRUD: true,
  dataSourceCreate: true,
  dataSourceDelete: true,
});

export function isLive<T extends { deletedAt?: number | undefined }>(entity: T | undefined): entity is T {
  return entity !== undefined && entity.deletedAt === undefined;
}

export function* liveValues<T extends { deletedAt?: number | undefined }>(
  map: ReadonlyMap<string, T>,
): Iterable<T> {
  for (const v of map.values()) if (v.deletedAt === undefined) yield v;
}

export function liveGrants(group: Group): Grant[] {
  const out: Grant[] = [];
  for (const g of group.grants.values()) if (g.deletedAt === undefined) out.push(g);
  return out;
}
