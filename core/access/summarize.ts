/**
 * One user's access summary, in two shapes:
 * - `summarizeUser`: what REST `/access` serves (format 2) — only what the user can reach, as indexes into
 *   the workspace's catalog (catalog.ts), with levels, hidden flags and via as indexes into the user's own
 *   groups and grants. Resources with the same access share one entry ("class"), so a user with View on
 *   every app costs one entry, not one per app.
 * - `summarize`: the same summary joined with the catalog, listing every app and data source with its
 *   level (null: no access). Clients build it with `expandSummary` (catalog-expand.ts); the two agree on
 *   every state (test/core/catalog.test.ts).
 */
import type { Flag, Flags, Level, Role, UserStatus, WorkspaceState } from '../model.ts';
import { activeAdmins } from '../rules/roles.ts';
import { ACCESS_FORMAT, catalogIndexes } from './catalog.ts';
import { accessFor, type ResourceAccess, type Via } from './user-access.ts';

export interface AppSummary {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly urlPatterns: readonly string[];
  /** When the app was created (ms since epoch): `matchApp`'s tie-break between equal patterns. */
  readonly createdAt: number;
  readonly level: 'edit' | 'view' | null;
  readonly hidden: boolean;
  readonly via: readonly Via[];
}

export interface DataSourceSummary {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly level: 'configure' | 'use' | null;
  readonly via: readonly Via[];
}

export interface AccessSummary {
  readonly workspace: { readonly slug: string; readonly name: string };
  readonly version: number;
  readonly user: {
    readonly id: string;
    readonly email: string;
    readonly name: string;
    readonly role: Role;
    readonly status: UserStatus;
  };
  readonly groups: readonly { readonly id: string; readonly name: string }[];
  readonly flags: Flags;
  readonly flagVia: Readonly<Partial<Record<Flag, readonly string[]>>>;
  readonly apps: readonly AppSummary[];
  readonly dataSources: readonly DataSourceSummary[];
  /** Whom to ask for access. */
  readonly admins: readonly Person[];
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

export interface Person {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

/** A group the user is in (their role's default group first). */
export interface SummaryGroup {
  readonly id: string;
  readonly name: string;
  readonly kind: 'default' | 'custom';
  readonly role?: Role | undefined;
}

/** A grant that gives the user access; `group` is an index into the summary's `groups`. */
export interface SummaryGrant {
  readonly id: string;
  readonly name: string;
  readonly group: number;
  readonly scope: 'all' | 'custom';
  readonly level: Level;
  readonly hideFromDashboard: boolean;
}

/** One access: a level, hidden (rule 2) and the grants it comes through (indexes into `grants`). */
export interface AccessClass {
  readonly level: Level;
  readonly hidden: boolean;
  readonly via: readonly number[];
}

/** An access shared by the listed resources (indexes into the catalog's list, ascending). */
export interface ListedClass extends AccessClass {
  readonly items: readonly number[];
}

/** The access to every resource of a type: `all` unless listed; neither is no access. */
export interface TypeSummary {
  readonly all: AccessClass | null;
  readonly listed: readonly ListedClass[];
}

/** `GET /access`: one user's access over the workspace's catalog (format 2). */
export interface UserSummary {
  readonly format: typeof ACCESS_FORMAT;
  /** The id of the catalog (its ETag without quotes) the indexes refer to. */
  readonly catalog: string;
  readonly workspace: { readonly slug: string; readonly name: string };
  readonly user: {
    readonly id: string;
    readonly email: string;
    readonly name: string;
    readonly role: Role;
    readonly status: UserStatus;
  };
  readonly groups: readonly SummaryGroup[];
  readonly grants: readonly SummaryGrant[];
  readonly flags: Flags;
  readonly flagVia: Readonly<Partial<Record<Flag, readonly string[]>>>;
  readonly apps: TypeSummary;
  readonly dataSources: TypeSummary;
  /** Whom to ask for access. */
  readonly admins: readonly Person[];
}

/** Active admins by name, once per users map (a membership edit of someone else keeps it). */
const adminsCache = new WeakMap<WorkspaceState['users'], readonly Person[]>();
function admins(state: WorkspaceState): readonly Person[] {
  let list = adminsCache.get(state.users);
  if (!list) {
    list = activeAdmins(state)
      .map((u) => ({ id: u.id, name: u.name, email: u.email }))
      .sort(byName);
    adminsCache.set(state.users, list);
  }
  return list;
}

/** Collects the groups and grants that via lists name, each once, in the order first met. */
class ViaTable {
  readonly groups: SummaryGroup[] = [];
  readonly grants: SummaryGrant[] = [];
  private readonly groupAt = new Map<string, number>();
  private readonly grantAt = new Map<string, number>();

  indexes(via: readonly Via[]): number[] {
    return via.map((v) => this.grant(v));
  }

  group(g: { id: string; name: string; kind: 'default' | 'custom'; role?: Role | undefined }): number {
    let at = this.groupAt.get(g.id);
    if (at === undefined) {
      at = this.groups.length;
      this.groupAt.set(g.id, at);
      this.groups.push({ id: g.id, name: g.name, kind: g.kind, ...(g.role ? { role: g.role } : {}) });
    }
    return at;
  }

  private grant(v: Via): number {
    const key = `${v.groupId}\u0000${v.grantId}`;
    let at = this.grantAt.get(key);
    if (at === undefined) {
      const group = this.group({ id: v.groupId, name: v.groupName, kind: v.groupKind, role: v.role });
      at = this.grants.length;
      this.grantAt.set(key, at);
      this.grants.push({
        id: v.grantId,
        name: v.grantName,
        group,
        scope: v.scope,
        level: v.level,
        hideFromDashboard: v.hideFromDashboard,
      });
    }
    return at;
  }
}

function accessClass(a: ResourceAccess, table: ViaTable): AccessClass | null {
  return a.level === null ? null : { level: a.level, hidden: a.hidden, via: table.indexes(a.via) };
}

function typeSummary(
  all: ResourceAccess,
  listed: ReadonlyMap<string, ResourceAccess>,
  index: ReadonlyMap<string, number>,
  table: ViaTable,
): TypeSummary {
  const allClass = accessClass(all, table);
  const classes = new Map<string, { c: AccessClass; items: number[] }>();
  for (const [id, a] of listed) {
    const at = index.get(id);
    const c = at === undefined ? null : accessClass(a, table);
    if (at === undefined || !c) continue; // deleted, or not a resource of the workspace
    const key = `${c.level}/${c.hidden}/${c.via.join(',')}`;
    const entry = classes.get(key);
    if (entry) entry.items.push(at);
    else classes.set(key, { c, items: [at] });
  }
  const out = [...classes.values()].map(({ c, items }) => ({ ...c, items: items.sort((x, y) => x - y) }));
  return { all: allClass, listed: out.sort((x, y) => x.items[0]! - y.items[0]!) };
}

/** The user's summary over the state's catalog (`catalogId` names it), or null for an unknown user. */
export function summarizeUser(state: WorkspaceState, userId: string, catalogId: string): UserSummary | null {
  const access = accessFor(state, userId);
  if (!access) return null;
  const index = catalogIndexes(state);
  const table = new ViaTable();
  // The role's default group first, then the custom groups, whether or not a grant of theirs reaches anything.
  for (const g of access.groups) table.group(g);
  const apps = typeSummary(access.allOf('app'), access.listed('app'), index.app, table);
  const dataSources = typeSummary(
    access.allOf('dataSource'),
    access.listed('dataSource'),
    index.dataSource,
    table,
  );
  const { user } = access;
  return {
    format: ACCESS_FORMAT,
    catalog: catalogId,
    workspace: { slug: state.meta.slug, name: state.meta.name },
    user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status },
    groups: table.groups,
    grants: table.grants,
    flags: access.flags,
    flagVia: access.flagVia,
    apps,
    dataSources,
    admins: admins(state),
  };
}

export function summarize(state: WorkspaceState, userId: string): AccessSummary | null {
  const access = accessFor(state, userId);
  if (!access) return null;
  const apps: AppSummary[] = [];
  for (const app of state.apps.values()) {
    if (app.deletedAt !== undefined) continue;
    const a = access.app(app.id);
    apps.push({
      id: app.id,
      name: app.name,
      slug: app.slug,
      urlPatterns: app.urlPatterns,
      createdAt: app.createdAt,
      level: a.level as Level as AppSummary['level'],
      hidden: a.hidden,
      via: a.via,
    });
  }
  const dataSources: DataSourceSummary[] = [];
  for (const ds of state.dataSources.values()) {
    if (ds.deletedAt !== undefined) continue;
    const a = access.dataSource(ds.id);
    dataSources.push({
      id: ds.id,
      name: ds.name,
      kind: ds.kind,
      level: a.level as DataSourceSummary['level'],
      via: a.via,
    });
  }
  const { user } = access;
  return {
    workspace: { slug: state.meta.slug, name: state.meta.name },
    version: state.version,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status },
    groups: access.customGroups.map((g) => ({ id: g.id, name: g.name })),
    flags: access.flags,
    flagVia: access.flagVia,
    apps: apps.sort(byName),
    dataSources: dataSources.sort(byName),
    admins: admins(state),
  };
}
