/** The JSON access summary of one user (My access page, REST `/access`, the extension). */
import type { Flag, Flags, Level, Role, UserStatus, WorkspaceState } from '../model.ts';
import { activeAdmins } from '../rules/roles.ts';
import { accessFor, type Via } from './user-access.ts';

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
  readonly admins: readonly { readonly id: string; readonly name: string; readonly email: string }[];
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

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
    admins: activeAdmins(state)
      .map((u) => ({ id: u.id, name: u.name, email: u.email }))
      .sort(byName),
  };
}
