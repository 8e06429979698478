/**
 * Reads one entity from its Y.Map into the plain model. Junk never throws: a value of the wrong type
 * reads as the least-privilege default (no flag, no grant, archived status, end-user role).
 */
import * as Y from 'yjs';
import {
  type App,
  type Conflict,
  type ConflictEdit,
  type DataSource,
  type EntityRef,
  FLAGS,
  type Flags,
  type Grant,
  type Group,
  ROLES,
  type Role,
  USER_STATUSES,
  type User,
  type UserStatus,
  type WorkspaceMeta,
} from '../model.ts';
import { GRANTS, MEMBERS, RESOURCES } from './schema.ts';

type YMap = Y.Map<unknown>;

const str = (m: YMap, k: string): string => {
  const v = m.get(k);
  return typeof v === 'string' ? v : '';
};
const num = (m: YMap, k: string): number => {
  const v = m.get(k);
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
};
const optNum = (m: YMap, k: string): number | undefined => {
  const v = m.get(k);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const nestedMap = (m: YMap, k: string): YMap | undefined => {
  const v = m.get(k);
  return v instanceof Y.Map ? (v as YMap) : undefined;
};

export function readUser(id: string, m: YMap): User {
  const role = m.get('role');
  const status = m.get('status');
  return {
    id,
    email: str(m, 'email').toLowerCase(),
    name: str(m, 'name'),
    role: ROLES.includes(role as Role) ? (role as Role) : 'end-user',
    status: USER_STATUSES.includes(status as UserStatus) ? (status as UserStatus) : 'archived',
    createdAt: num(m, 'createdAt'),
    activatedAt: optNum(m, 'activatedAt'),
  };
}

export function readGrant(id: string, m: YMap): Grant | undefined {
  const resourceType = m.get('resourceType');
  const scope = m.get('scope');
  const level = m.get('level');
  if (resourceType !== 'app' && resourceType !== 'dataSource') return undefined;
  if (scope !== 'all' && scope !== 'custom') return undefined;
  const levelOk =
    resourceType === 'app' ? level === 'edit' || level === 'view' : level === 'configure' || level === 'use';
  if (!levelOk) return undefined;
  const resources = nestedMap(m, RESOURCES);
  const resourceIds = resources ? [...resources.keys()].sort() : [];
  return {
    id,
    name: str(m, 'name'),
    resourceType,
    scope,
    resourceIds,
    level: level as Grant['level'],
    hideFromDashboard: level === 'view' && m.get('hideFromDashboard') === true,
    createdAt: num(m, 'createdAt'),
    deletedAt: optNum(m, 'deletedAt'),
  };
}

export function readGroup(id: string, m: YMap): Group {
  const flags = {} as Record<keyof Flags, boolean>;
  for (const f of FLAGS) flags[f] = m.get(f) === true;
  const members = new Set<string>();
  const membersMap = nestedMap(m, MEMBERS);
  if (membersMap) for (const k of membersMap.keys()) members.add(k);
  const grants = new Map<string, Grant>();
  const grantsMap = nestedMap(m, GRANTS);
  if (grantsMap)
    for (const [gid, gm] of grantsMap.entries()) {
      if (!(gm instanceof Y.Map)) continue;
      const g = readGrant(gid, gm as YMap);
      if (g) grants.set(gid, g);
    }
  const kind = m.get('kind') === 'default' ? 'default' : 'custom';
  const role = m.get('role');
  return {
    id,
    name: str(m, 'name'),
    kind,
    role: kind === 'default' && ROLES.includes(role as Role) ? (role as Role) : undefined,
    flags,
    members,
    grants,
    createdAt: num(m, 'createdAt'),
    deletedAt: optNum(m, 'deletedAt'),
  };
}

export function readApp(id: string, m: YMap): App {
  return {
    id,
    name: str(m, 'name'),
    slug: str(m, 'slug'),
    urlPatterns: strings(m.get('urlPatterns')),
    createdAt: num(m, 'createdAt'),
    deletedAt: optNum(m, 'deletedAt'),
  };
}

export function readDataSource(id: string, m: YMap): DataSource {
  return {
    id,
    name: str(m, 'name'),
    kind: str(m, 'kind'),
    createdAt: num(m, 'createdAt'),
    deletedAt: optNum(m, 'deletedAt'),
  };
}

function readRefs(v: unknown): EntityRef[] {
  if (!Array.isArray(v)) return [];
  const out: EntityRef[] = [];
  for (const r of v) {
    if (r && typeof r === 'object' && typeof r.collection === 'string' && typeof r.id === 'string')
      out.push({ collection: r.collection, id: r.id, name: typeof r.name === 'string' ? r.name : undefined });
  }
  return out;
}

function readEdits(v: unknown): ConflictEdit[] {
  if (!Array.isArray(v)) return [];
  const out: ConflictEdit[] = [];
  for (const e of v) {
    if (e && typeof e === 'object' && typeof e.actor === 'string')
      out.push({
        actor: e.actor,
        at: Number(e.at) || 0,
        summary: typeof e.summary === 'string' ? e.summary : '',
      });
  }
  return out;
}

export function readConflict(id: string, m: YMap): Conflict {
  return {
    id,
    code: str(m, 'code'),
    message: str(m, 'message'),
    entities: readRefs(m.get('entities')),
    edits: readEdits(m.get('edits')),
    repair: str(m, 'repair'),
    createdAt: num(m, 'createdAt'),
    resolvedAt: optNum(m, 'resolvedAt'),
  };
}

export function readMeta(m: YMap): WorkspaceMeta {
  return { name: str(m, 'name'), slug: str(m, 'slug') };
}
