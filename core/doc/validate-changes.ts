/**
 * Validation of what an untrusted update changed (server pipeline: apply to a shadow doc, then check).
 * Every entity the transaction touched is checked whole: its fields as the schema declares them
 * (check-fields.ts: types, enums, lengths, formats, references, no unknown fields), then the rules here:
 * entity ids without spaces, reserved and invisible group names, undeletable default groups, one default
 * group per role, tombstone-only deletes, no unknown roots. Never throws on junk.
 */
import * as Y from 'yjs';
import { readRequest } from '../requests/access-request.ts';
import { isEntityId, MAX_ENTITY_ID_LENGTH } from '../rules/formats.ts';
import { hasInvisibleCharacters, isReservedGroupName } from '../rules/names.ts';
import { type Check, Checker, checkFields, type Violation } from './check-fields.ts';
import { APP, CONFLICT, DATA_SOURCE, GRANT, GROUP, META_SCHEMA, USER } from './entity-schema.ts';
import { COLLECTIONS, GRANTS, MEMBERS, META, REQUESTS_ROOT, ROOT_NAMES, SCHEMA_VERSION } from './schema.ts';
import { type StoredEntity, stored } from './stored-values.ts';
import { locate } from './touched.ts';

export type { Violation } from './check-fields.ts';

type YMap = Y.Map<unknown>;
type AnyType = Y.AbstractType<unknown>;

/** The rules of a group beyond its fields' kinds (its role and its kind are checked with the fields). */
function groupRule(c: Checker, path: string, m: StoredEntity) {
  const name = m.get('name');
  if (m.get('kind') === 'default') {
    if (m.get('deletedAt') !== undefined) c.add(`${path}.deletedAt`, 'default groups cannot be deleted');
  } else {
    if (typeof name === 'string' && isReservedGroupName(name)) c.add(`${path}.name`, 'is a reserved name');
    if (typeof name === 'string' && hasInvisibleCharacters(name))
      c.add(`${path}.name`, 'has invisible characters');
  }
}

const CHECKS: Readonly<Record<string, Check>> = {
  users: checkFields(USER),
  groups: checkFields(GROUP, groupRule, { grants: checkFields(GRANT) }),
  apps: checkFields(APP),
  dataSources: checkFields(DATA_SOURCE),
  conflicts: checkFields(CONFLICT),
};
const checkMeta = checkFields(META_SCHEMA);

/** A group's members (schema 2: a Y.Text of id tokens, checked with its group). */
function isMembersText(type: AnyType): boolean {
  const { _item: item } = type;
  return (
    item !== null &&
    item.parentSub === MEMBERS &&
    type instanceof Y.Text &&
    depthOf(item.parent as AnyType) === 1
  );
}

/** How deep `type` sits under its root (an entity: 1, its nested types: 2). */
function depthOf(type: AnyType): number {
  let depth = 0;
  for (let t: AnyType | null = type; t?._item; t = t._item.parent as AnyType) depth++;
  return depth;
}

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
      if (keys.has(null) && !isMembersText(type) && hasListContent(type === seen ? root : type))
        c.add(key === null ? rootName : `${rootName}.${key}`, 'must be a map, not a list');
      // Permissions, like entities, are deleted with a tombstone: a removed key loses concurrent edits.
      if (type._item?.parentSub === GRANTS && key !== null)
        for (const k of keys)
          if (k !== null && !(type as YMap).has(k))
            c.add(
              `${rootName}.${key}.${GRANTS}.${k}`,
              'permissions are deleted with a tombstone (deletedAt)',
            );
      if (rootName === REQUESTS_ROOT) {
        // Plain values written whole (requests/access-request.ts), never deleted.
        const ks = type === seen ? keys : new Set([key]);
        for (const k of ks) {
          if (k === null) continue;
          if (type !== seen || readRequest(k, (root as YMap).get(k)) === null)
            c.add(`${REQUESTS_ROOT}.${k}`, 'must be an access request');
        }
        continue;
      }
      if (rootName === META) {
        checkMeta(c, META, root as YMap);
        // The document's format: written by the server at creation (or by its migration), never by a client.
        const version = (root as YMap).get('schemaVersion');
        if (version !== undefined && version !== SCHEMA_VERSION)
          c.add(
            `${META}.schemaVersion`,
            `must be ${SCHEMA_VERSION} (reload the app to get the current version)`,
          );
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
        if (!isEntityId(id))
          c.add(path, `ids are 1–${MAX_ENTITY_ID_LENGTH} characters without spaces or control characters`);
        if (v === undefined) c.add(path, 'entities are deleted with a tombstone (deletedAt), never removed');
        else if (!(v instanceof Y.Map)) c.add(path, 'must be a map');
        else CHECKS[collection]?.(c, path, v as YMap);
      }
    }
    if (entities.has('groups')) {
      const roles = new Set<string>();
      for (const g of doc.getMap('groups').values()) {
        if (!(g instanceof Y.Map)) continue;
        const group = stored(g as YMap, GROUP);
        if (group.get('kind') !== 'default') continue;
        const role = String(group.get('role'));
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
