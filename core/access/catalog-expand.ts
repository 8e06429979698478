/**
 * A user's summary joined with the workspace's catalog: the access of one catalog entry, and the whole
 * `AccessSummary` (every app and data source, no access included) that My access and the extension show.
 * The inputs may come from the network: indexes out of range or not integers are ignored, never thrown on.
 */
import type { Level, ResourceType } from '../model.ts';
import type { AccessCatalog } from './catalog.ts';
import type {
  AccessClass,
  AccessSummary,
  AppSummary,
  DataSourceSummary,
  TypeSummary,
  UserSummary,
} from './summarize.ts';
import { NO_ACCESS, type ResourceAccess, type Via } from './user-access.ts';

function viaOf(summary: UserSummary, indexes: readonly number[]): Via[] {
  const out: Via[] = [];
  for (const i of indexes) {
    const grant = summary.grants[i];
    const group = grant && summary.groups[grant.group];
    if (!grant || !group) continue;
    out.push({
      groupId: group.id,
      groupName: group.name,
      groupKind: group.kind,
      role: group.role,
      grantId: grant.id,
      grantName: grant.name,
      scope: grant.scope,
      level: grant.level,
      hideFromDashboard: grant.hideFromDashboard,
    });
  }
  return out;
}

function resolved(summary: UserSummary, c: AccessClass | null): ResourceAccess {
  return c ? { level: c.level, hidden: c.hidden, via: viaOf(summary, c.via) } : NO_ACCESS;
}

/** Per summary and type: catalog index → its access, built once. */
const lookups = new WeakMap<TypeSummary, { all: ResourceAccess; byIndex: Map<number, ResourceAccess> }>();

function lookup(summary: UserSummary, type: ResourceType) {
  const t = type === 'app' ? summary.apps : summary.dataSources;
  let l = lookups.get(t);
  if (!l) {
    l = { all: resolved(summary, t.all), byIndex: new Map() };
    for (const c of t.listed) {
      const a = resolved(summary, c);
      for (const i of c.items) l.byIndex.set(i, a);
    }
    lookups.set(t, l);
  }
  return l;
}

/** The access of the catalog's `index`-th app or data source. */
export function accessAt(summary: UserSummary, type: ResourceType, index: number): ResourceAccess {
  const l = lookup(summary, type);
  return l.byIndex.get(index) ?? l.all;
}

/** Every app and data source of the catalog with the user's access: what `summarize` gives on the server. */
export function expandSummary(catalog: AccessCatalog, summary: UserSummary): AccessSummary {
  const apps = catalog.apps.map((app, i): AppSummary => {
    const a = accessAt(summary, 'app', i);
    return {
      id: app.id,
      name: app.name,
      slug: app.slug,
      urlPatterns: app.urlPatterns,
      createdAt: app.createdAt,
      level: a.level as Level as AppSummary['level'],
      hidden: a.hidden,
      via: a.via,
    };
  });
  const dataSources = catalog.dataSources.map((ds, i): DataSourceSummary => {
    const a = accessAt(summary, 'dataSource', i);
    return {
      id: ds.id,
      name: ds.name,
      kind: ds.kind,
      level: a.level as DataSourceSummary['level'],
      via: a.via,
    };
  });
  return {
    workspace: summary.workspace,
    version: 0,
    user: summary.user,
    groups: summary.groups.filter((g) => g.kind === 'custom').map((g) => ({ id: g.id, name: g.name })),
    flags: summary.flags,
    flagVia: summary.flagVia,
    apps,
    dataSources,
    admins: summary.admins,
  };
}
