/**
 * Validation of what an untrusted update changed (server pipeline: apply to a shadow doc, then check).
 * Every entity the transaction touched is checked whole: field types, enums, lengths, references,
 * reserved names, tombstone-only deletes, no unknown roots or fields. Never throws on junk.
 */
import * as Y from 'yjs';
import { validateUrlPattern } from '../access/match-app.ts';
import { FLAGS, ROLES, USER_STATUSES } from '../model.ts';
import { checkEmail } from '../rules/formats.ts';
import { hasInvisibleCharacters, isReservedGroupName, NAME_MAX_LENGTH } from '../rules/names.ts';
import {
  COLLECTIONS,
  GRANTS,
  MAX_TEXT,
  MAX_URL_PATTERNS,
  MEMBERS,
  META,
  RESOURCES,
  ROOT_NAMES,
} from './schema.ts';
import { locate } from './touched.ts';

export interface Violation {
  readonly path: string;
  readonly message: string;
}

type YMap = Y.Map<unknown>;
type AnyType = Y.AbstractType<unknown>;

const MAX_VIOLATIONS = 20;

class Checker {
  readonly out: Violation[] = [];
  constructor(readonly doc: Y.Doc) {}
  add(path: string, message: string) {
    if (this.out.length < MAX_VIOLATIONS) this.out.push({ path, message });
  }
  keys(path: string, m: YMap, allowed: readonly string[]) {
    for (const k of m.keys()) if (!allowed.includes(k)) this.add(`${path}.${k}`, 'unknown field');
  }
  text(path: string, v: unknown, min: number, max: number) {
    if (typeof v !== 'string') return this.add(path, 'must be text');
    const n = v.trim().length;
    if (n < min || v.length > max) this.add(path, `must be ${min}–${max} characters`);
  }
  oneOf(path: string, v: unknown, values: readonly unknown[]) {
    if (!values.includes(v)) this.add(path, `must be one of ${values.join(', ')}`);
  }
  time(path: string, v: unknown, optional: boolean) {
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.add(path, 'must be a time');
  }
  bool(path: string, v: unknown) {
    if (v !== undefined && typeof v !== 'boolean') this.add(path, 'must be true or false');
  }
  map(path: string, v: unknown): YMap | undefined {
    if (v instanceof Y.Map) return v as YMap;
    this.add(path, 'must be a map');
    return undefined;
  }
  liveIds(collection: string): (id: string) => boolean {
    const root = this.doc.getMap(collection);
    return (id) => root.get(id) instanceof Y.Map;
  }
}

const USER_FIELDS = ['email', 'name', 'role', 'status', 'createdAt', 'activatedAt'];
const GROUP_FIELDS = ['name', 'kind', 'role', 'createdAt', 'deletedAt', MEMBERS, GRANTS, ...FLAGS];
const GRANT_FIELDS = [
  'name',
  'resourceType',
  'scope',
  'level',
  'hideFromDashboard',
  'createdAt',
  'deletedAt',
  RESOURCES,
];
const APP_FIELDS = ['name', 'slug', 'urlPatterns', 'createdAt', 'deletedAt'];
const DS_FIELDS = ['name', 'kind', 'createdAt', 'deletedAt'];
const CONFLICT_FIELDS = ['code', 'message', 'entities', 'edits', 'repair', 'createdAt', 'resolvedAt'];
const META_FIELDS = ['name', 'slug', 'schemaVersion'];

function checkUser(c: Checker, path: string, m: YMap) {
  c.keys(path, m, USER_FIELDS);
  const email = m.get('email');
  // Stored as commands store it: trimmed and lower-cased (readers lower-case, so no case may hide a duplicate).
  const checked = typeof email === 'string' ? checkEmail(email) : null;
  if (!checked?.ok || checked.value !== email)
    c.add(`${path}.email`, 'must be an email address, in lower case');
  c.text(`${path}.name`, m.get('name'), 0, MAX_TEXT);
  c.oneOf(`${path}.role`, m.get('role'), ROLES);
  c.oneOf(`${path}.status`, m.get('status'), USER_STATUSES);
  c.time(`${path}.createdAt`, m.get('createdAt'), false);
  c.time(`${path}.activatedAt`, m.get('activatedAt'), true);
}

function checkGrant(c: Checker, path: string, m: YMap) {
  c.keys(path, m, GRANT_FIELDS);
  c.text(`${path}.name`, m.get('name'), 1, NAME_MAX_LENGTH);
  const type = m.get('resourceType');
  c.oneOf(`${path}.resourceType`, type, ['app', 'dataSource']);
  c.oneOf(`${path}.scope`, m.get('scope'), ['all', 'custom']);
  c.oneOf(`${path}.level`, m.get('level'), type === 'dataSource' ? ['configure', 'use'] : ['edit', 'view']);
  c.bool(`${path}.hideFromDashboard`, m.get('hideFromDashboard'));
  if (m.get('hideFromDashboard') === true && m.get('level') !== 'view')
    c.add(`${path}.hideFromDashboard`, 'only with View');
  c.time(`${path}.createdAt`, m.get('createdAt'), false);
  c.time(`${path}.deletedAt`, m.get('deletedAt'), true);
  const resources = c.map(`${path}.${RESOURCES}`, m.get(RESOURCES));
  if (!resources) return;
  // A resource of the other type comes from concurrent edits of the grant (type here, resources there):
  // a merge, not junk. Repair removes it; rejecting it would drop the sender's whole offline batch.
  const isApp = c.liveIds('apps');
  const isDataSource = c.liveIds('dataSources');
  for (const [id, v] of resources.entries()) {
    if (v !== true) c.add(`${path}.${RESOURCES}.${id}`, 'must be true');
    if (!isApp(id) && !isDataSource(id)) c.add(`${path}.${RESOURCES}.${id}`, 'names no such resource');
  }
}

function checkGroup(c: Checker, path: string, m: YMap) {
  c.keys(path, m, GROUP_FIELDS);
  const name = m.get('name');
  c.text(`${path}.name`, name, 1, NAME_MAX_LENGTH);
  const kind = m.get('kind');
  c.oneOf(`${path}.kind`, kind, ['custom', 'default']);
  if (kind === 'default') {
    c.oneOf(`${path}.role`, m.get('role'), ROLES);
    if (m.get('deletedAt') !== undefined) c.add(`${path}.deletedAt`, 'default groups cannot be deleted');
  } else {
    if (m.get('role') !== undefined) c.add(`${path}.role`, 'only default groups have a role');
    if (typeof name === 'string' && isReservedGroupName(name)) c.add(`${path}.name`, 'is a reserved name');
    if (typeof name === 'string' && hasInvisibleCharacters(name))
      c.add(`${path}.name`, 'has invisible characters');
  }
  for (const f of FLAGS) c.bool(`${path}.${f}`, m.get(f));
  c.time(`${path}.createdAt`, m.get('createdAt'), false);
  c.time(`${path}.deletedAt`, m.get('deletedAt'), true);
  const members = c.map(`${path}.${MEMBERS}`, m.get(MEMBERS));
  if (members) {
    const isUser = c.liveIds('users');
    for (const [id, v] of members.entries()) {
      if (v !== true && typeof v !== 'number') c.add(`${path}.${MEMBERS}.${id}`, 'must be true');
      if (!isUser(id)) c.add(`${path}.${MEMBERS}.${id}`, 'names no such user');
    }
  }
  const grants = c.map(`${path}.${GRANTS}`, m.get(GRANTS));
  if (grants)
    for (const [id, g] of grants.entries()) {
      const gm = c.map(`${path}.${GRANTS}.${id}`, g);
      if (gm) checkGrant(c, `${path}.${GRANTS}.${id}`, gm);
    }
}

function checkApp(c: Checker, path: string, m: YMap) {
  c.keys(path, m, APP_FIELDS);
  c.text(`${path}.name`, m.get('name'), 1, MAX_TEXT);
  const slug = m.get('slug');
  if (typeof slug !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(slug))
    c.add(`${path}.slug`, 'must be a slug');
  const patterns = m.get('urlPatterns');
  if (!Array.isArray(patterns) || patterns.length > MAX_URL_PATTERNS)
    c.add(`${path}.urlPatterns`, 'must be a list of URL patterns');
  else
    for (const p of patterns)
      if (typeof p !== 'string' || !validateUrlPattern(p).ok)
        c.add(`${path}.urlPatterns`, 'invalid URL pattern');
  c.time(`${path}.createdAt`, m.get('createdAt'), false);
  c.time(`${path}.deletedAt`, m.get('deletedAt'), true);
}

function checkDataSource(c: Checker, path: string, m: YMap) {
  c.keys(path, m, DS_FIELDS);
  c.text(`${path}.name`, m.get('name'), 1, MAX_TEXT);
  c.text(`${path}.kind`, m.get('kind'), 1, 50);
  c.time(`${path}.createdAt`, m.get('createdAt'), false);
  c.time(`${path}.deletedAt`, m.get('deletedAt'), true);
}

function checkConflict(c: Checker, path: string, m: YMap) {
  c.keys(path, m, CONFLICT_FIELDS);
  c.text(`${path}.code`, m.get('code'), 1, 100);
  c.text(`${path}.message`, m.get('message'), 0, 2000);
  c.text(`${path}.repair`, m.get('repair'), 0, 2000);
  for (const k of ['entities', 'edits'])
    if (!Array.isArray(m.get(k)) || JSON.stringify(m.get(k)).length > 20_000)
      c.add(`${path}.${k}`, 'must be a short list');
  c.time(`${path}.createdAt`, m.get('createdAt'), false);
  c.time(`${path}.resolvedAt`, m.get('resolvedAt'), true);
}

const CHECKS: Readonly<Record<string, (c: Checker, path: string, m: YMap) => void>> = {
  users: checkUser,
  groups: checkGroup,
  apps: checkApp,
  dataSources: checkDataSource,
  conflicts: checkConflict,
};

/** True when a type holds list items (array or text content): a map written by something else. */
function hasListContent(type: { _start: Y.Item | null }): boolean {
  for (let n = type._start; n !== null; n = n.right) if (!n.deleted) return true;
  return false;
}

export function validateChanges(
  doc: Y.Doc,
  changed: ReadonlyMap<AnyType, ReadonlySet<string | null>>,
): Violation[] {
  const c = new Checker(doc);
  try {
    // A doc built from updates holds untyped roots until they are read as maps. `changed` is keyed by the
    // types the transaction saw, so remember the names of the untyped ones before typing them.
    const rootNames = new Map<unknown, string>();
    for (const [name, t] of doc.share) rootNames.set(t, name);
    for (const name of ROOT_NAMES) if (doc.share.has(name)) doc.getMap(name);
    for (const [name, t] of doc.share) rootNames.set(t, name);
    for (const name of doc.share.keys()) if (!ROOT_NAMES.includes(name)) c.add(name, 'unknown root');
    const entities = new Map<string, Set<string>>();
    for (const [type, keys] of changed) {
      const { root: seen, key } = locate(type);
      const rootName = rootNames.get(seen);
      if (rootName === undefined || !ROOT_NAMES.includes(rootName)) continue; // reported above
      const root = doc.share.get(rootName);
      if (!(root instanceof Y.Map)) {
        c.add(rootName, 'must be a map');
        continue;
      }
      if (keys.has(null) && hasListContent(type === seen ? root : type))
        c.add(key === null ? rootName : `${rootName}.${key}`, 'must be a map, not a list');
      // Permissions, like entities, are deleted with a tombstone: a removed key loses concurrent edits.
      if (type._item?.parentSub === GRANTS && key !== null)
        for (const k of keys)
          if (k !== null && !(type as YMap).has(k))
            c.add(
              `${rootName}.${key}.${GRANTS}.${k}`,
              'permissions are deleted with a tombstone (deletedAt)',
            );
      if (rootName === META) {
        c.keys(META, root as YMap, META_FIELDS);
        c.text('meta.name', root.get('name'), 1, MAX_TEXT);
        c.text('meta.slug', root.get('slug'), 1, 64);
        continue;
      }
      let set = entities.get(rootName);
      if (!set) entities.set(rootName, (set = new Set()));
      if (key === null) {
        for (const k of keys) if (k !== null) set.add(k);
      } else set.add(key);
    }
    for (const [collection, ids] of entities) {
      const root = doc.getMap(collection);
      for (const id of ids) {
        const path = `${collection}.${id}`;
        const v = root.get(id);
        if (v === undefined) c.add(path, 'entities are deleted with a tombstone (deletedAt), never removed');
        else if (!(v instanceof Y.Map)) c.add(path, 'must be a map');
        else CHECKS[collection]?.(c, path, v as YMap);
      }
    }
    if (entities.has('groups')) {
      const roles = new Set<string>();
      for (const g of doc.getMap('groups').values()) {
        if (!(g instanceof Y.Map) || g.get('kind') !== 'default') continue;
        const role = String(g.get('role'));
        if (roles.has(role)) c.add('groups', `two default groups for ${role}`);
        roles.add(role);
      }
    }
    if (!COLLECTIONS.every((n) => !doc.share.has(n) || doc.share.get(n) instanceof Y.Map))
      c.add('doc', 'roots must be maps');
  } catch {
    c.add('doc', 'unreadable update');
  }
  return c.out;
}
