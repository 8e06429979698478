/**
 * The access summary as the extension receives it from `GET /api/workspaces/:ws/access` (core's
 * `AccessSummary`). `decodeSummary` checks the untrusted JSON field by field and never throws.
 */
import type { AccessSummary, AppSummary, DataSourceSummary } from '../core/access/summarize.ts';
import type { Via } from '../core/access/user-access.ts';
import { FLAGS, type Flags, ROLES, USER_STATUSES } from '../core/model.ts';
import { decodeArray, isObject, isOneOf, isString } from './decode.ts';

export type { AccessSummary, AppSummary, DataSourceSummary, Via };

const LEVELS = ['edit', 'view', 'configure', 'use'] as const;

function decodeVia(v: unknown): Via | null {
  if (!isObject(v)) return null;
  const { groupId, groupName, groupKind, role, grantId, grantName, scope, level, hideFromDashboard } = v;
  if (!isString(groupId) || !isString(groupName) || !isOneOf(groupKind, ['default', 'custom'] as const))
    return null;
  if (role !== undefined && role !== null && !isOneOf(role, ROLES)) return null;
  if (!isString(grantId) || !isString(grantName) || !isOneOf(level, LEVELS)) return null;
  return {
    groupId,
    groupName,
    groupKind,
    role: role ?? undefined,
    grantId,
    grantName,
    scope: scope === 'custom' ? 'custom' : 'all',
    level,
    hideFromDashboard: hideFromDashboard === true,
  };
}

function decodeApp(v: unknown): AppSummary | null {
  if (!isObject(v)) return null;
  const { id, name, slug, urlPatterns, createdAt, level, hidden } = v;
  if (!isString(id) || !isString(name) || !isString(slug)) return null;
  if (level !== null && !isOneOf(level, ['edit', 'view'] as const)) return null;
  const patterns = decodeArray(urlPatterns, (p) => (isString(p, 2048) ? p : null), 100);
  const via = decodeArray(v.via, decodeVia);
  if (!patterns || !via) return null;
  return {
    id,
    name,
    slug,
    urlPatterns: patterns,
    // A server from before `createdAt` was summarized: ties between equal patterns fall to the id.
    createdAt: typeof createdAt === 'number' && Number.isFinite(createdAt) ? createdAt : 0,
    level,
    hidden: hidden === true,
    via,
  };
}

function decodeDataSource(v: unknown): DataSourceSummary | null {
  if (!isObject(v)) return null;
  const { id, name, kind, level } = v;
  if (!isString(id) || !isString(name) || !isString(kind)) return null;
  if (level !== null && !isOneOf(level, ['configure', 'use'] as const)) return null;
  const via = decodeArray(v.via, decodeVia);
  return via ? { id, name, kind, level, via } : null;
}

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

export function decodeSummary(v: unknown): AccessSummary | null {
  if (!isObject(v)) return null;
  const { workspace, version, user } = v;
  if (!isObject(workspace) || !isString(workspace.slug) || !isString(workspace.name)) return null;
  if (!isObject(user) || !isString(user.id) || !isString(user.email) || !isString(user.name)) return null;
  if (!isOneOf(user.role, ROLES) || !isOneOf(user.status, USER_STATUSES)) return null;
  const groups = decodeArray(v.groups, (g) =>
    isObject(g) && isString(g.id) && isString(g.name) ? { id: g.id, name: g.name } : null,
  );
  const flags = decodeFlags(v.flags);
  const apps = decodeArray(v.apps, decodeApp);
  const dataSources = decodeArray(v.dataSources, decodeDataSource);
  const admins = decodeArray(v.admins, decodePerson);
  if (!groups || !flags || !apps || !dataSources || !admins) return null;
  const flagVia: Record<string, string[]> = {};
  if (isObject(v.flagVia))
    for (const f of FLAGS) {
      const names = decodeArray(v.flagVia[f], (n) => (isString(n) ? n : null));
      if (names) flagVia[f] = names;
    }
  return {
    workspace: { slug: workspace.slug, name: workspace.name },
    version: typeof version === 'number' ? version : 0,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status },
    groups,
    flags,
    flagVia,
    apps,
    dataSources,
    admins,
  };
}
