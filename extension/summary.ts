/**
 * The access the extension receives (format 2): the workspace's catalog (`GET …/access/catalog`, core's
 * `AccessCatalog`) and the user's summary over it (`GET …/access`, core's `UserSummary`), decoded field by
 * field (never throwing), then joined by core's `expandSummary` into the `AccessSummary` the panel and the
 * popup show.
 */
import type { AccessCatalog, CatalogApp, CatalogDataSource } from '../core/access/catalog.ts';
import type {
  AccessClass,
  AccessSummary,
  AppSummary,
  DataSourceSummary,
  ListedClass,
  SummaryGrant,
  SummaryGroup,
  TypeSummary,
  UserSummary,
} from '../core/access/summarize.ts';
import type { Via } from '../core/access/user-access.ts';
import { FLAGS, type Flags, ROLES, USER_STATUSES } from '../core/model.ts';
import { decodeArray, isObject, isOneOf, isString } from './decode.ts';

export type { AccessCatalog, AccessSummary, AppSummary, DataSourceSummary, UserSummary, Via };

const LEVELS = ['edit', 'view', 'configure', 'use'] as const;

function decodePerson(v: unknown): { id: string; name: string; email: string } | null {
  if (!isObject(v) || !isString(v.id) || !isString(v.name) || !isString(v.email)) return null;
  return { id: v.id, name: v.name, email: v.email };
}

function decodeFlags(v: unknown): Flags | null {
  if (!isObject(v)) return null;
  const out: Record<string, boolean> = {};
  for (const f of FLAGS) out[f] = v[f] === true;
  return out as Flags;
}

function decodeFlagVia(v: unknown): Record<string, string[]> {
  const flagVia: Record<string, string[]> = {};
  if (isObject(v))
    for (const f of FLAGS) {
      const names = decodeArray(v[f], (n) => (isString(n) ? n : null));
      if (names) flagVia[f] = names;
    }
  return flagVia;
}

// Format 2: the catalog and the user's summary over it.

const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const indexes = (v: unknown) => decodeArray(v, (i) => (isIndex(i) ? i : null));

function decodeWorkspace(v: unknown): { slug: string; name: string } | null {
  return isObject(v) && isString(v.slug) && isString(v.name) ? { slug: v.slug, name: v.name } : null;
}

function decodeCatalogApp(v: unknown): CatalogApp | null {
  if (!isObject(v)) return null;
  const { id, name, slug, urlPatterns, createdAt } = v;
  if (!isString(id) || !isString(name) || !isString(slug)) return null;
  const patterns = decodeArray(urlPatterns, (p) => (isString(p, 2048) ? p : null), 100);
  if (!patterns) return null;
  const at = typeof createdAt === 'number' && Number.isFinite(createdAt) ? createdAt : 0;
  return { id, name, slug, urlPatterns: patterns, createdAt: at };
}

function decodeCatalogDataSource(v: unknown): CatalogDataSource | null {
  if (!isObject(v) || !isString(v.id) || !isString(v.name) || !isString(v.kind)) return null;
  return { id: v.id, name: v.name, kind: v.kind };
}

/** The workspace's catalog (format 2), or null. */
export function decodeCatalog(v: unknown): AccessCatalog | null {
  if (!isObject(v) || v.format !== 2) return null;
  const workspace = decodeWorkspace(v.workspace);
  const apps = decodeArray(v.apps, decodeCatalogApp);
  const dataSources = decodeArray(v.dataSources, decodeCatalogDataSource);
  if (!workspace || !apps || !dataSources) return null;
  return { format: 2, workspace, apps, dataSources };
}

function decodeClass(v: unknown): AccessClass | null {
  if (!isObject(v) || !isOneOf(v.level, LEVELS)) return null;
  const via = indexes(v.via);
  return via ? { level: v.level, hidden: v.hidden === true, via } : null;
}

function decodeListed(v: unknown): ListedClass | null {
  const c = decodeClass(v);
  const items = isObject(v) ? indexes(v.items) : null;
  return c && items ? { ...c, items } : null;
}

function decodeTypeSummary(v: unknown): TypeSummary | null {
  if (!isObject(v)) return null;
  const all = v.all === null ? null : decodeClass(v.all);
  const listed = decodeArray(v.listed, decodeListed);
  if ((v.all !== null && !all) || !listed) return null;
  return { all, listed };
}

function decodeGroup(v: unknown): SummaryGroup | null {
  if (!isObject(v) || !isString(v.id) || !isString(v.name)) return null;
  if (!isOneOf(v.kind, ['default', 'custom'] as const)) return null;
  if (v.role !== undefined && !isOneOf(v.role, ROLES)) return null;
  return { id: v.id, name: v.name, kind: v.kind, ...(v.role ? { role: v.role } : {}) };
}

function decodeGrant(v: unknown): SummaryGrant | null {
  if (!isObject(v) || !isString(v.id) || !isString(v.name) || !isIndex(v.group)) return null;
  if (!isOneOf(v.level, LEVELS)) return null;
  return {
    id: v.id,
    name: v.name,
    group: v.group,
    scope: v.scope === 'custom' ? 'custom' : 'all',
    level: v.level,
    hideFromDashboard: v.hideFromDashboard === true,
  };
}

/** The user's summary over a catalog (format 2), or null (an older server's shape too). */
export function decodeUserSummary(v: unknown): UserSummary | null {
  if (!isObject(v) || v.format !== 2 || !isString(v.catalog, 200)) return null;
  const { user } = v;
  const workspace = decodeWorkspace(v.workspace);
  if (!workspace || !isObject(user) || !isString(user.id) || !isString(user.email) || !isString(user.name))
    return null;
  if (!isOneOf(user.role, ROLES) || !isOneOf(user.status, USER_STATUSES)) return null;
  const groups = decodeArray(v.groups, decodeGroup);
  const grants = decodeArray(v.grants, decodeGrant);
  const flags = decodeFlags(v.flags);
  const apps = decodeTypeSummary(v.apps);
  const dataSources = decodeTypeSummary(v.dataSources);
  const admins = decodeArray(v.admins, decodePerson);
  if (!groups || !grants || !flags || !apps || !dataSources || !admins) return null;
  return {
    format: 2,
    catalog: v.catalog,
    workspace,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status },
    groups,
    grants,
    flags,
    flagVia: decodeFlagVia(v.flagVia),
    apps,
    dataSources,
    admins,
  };
}
