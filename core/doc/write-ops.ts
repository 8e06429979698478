/** Writes ops to a workspace Y.Doc in one transaction. */
import * as Y from 'yjs';
import type { Collection } from '../model.ts';
import type { Fields, Op } from '../ops.ts';
import { SCHEMAS } from './entity-schema.ts';
import { nestedMapKeys } from './fields.ts';
import { COLLECTIONS, GRANTS, MEMBERS, META, RESOURCES } from './schema.ts';

/** `always`: write even an unchanged value, so that it competes with concurrent writes (grant shapes). */
function setFields(map: Y.Map<unknown>, fields: Fields, always = false): void {
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) {
      if (map.has(k)) map.delete(k);
    } else if (always || map.get(k) !== v) map.set(k, v);
  }
}

/** The nested maps each entity is created with (a group's members and grants), from the schema. */
const NESTED = new Map(COLLECTIONS.map((c) => [c, nestedMapKeys(SCHEMAS[c])]));

function entity(doc: Y.Doc, collection: Collection, id: string): Y.Map<unknown> | undefined {
  const v = doc.getMap(collection).get(id);
  return v instanceof Y.Map ? (v as Y.Map<unknown>) : undefined;
}

function nested(parent: Y.Map<unknown> | undefined, key: string): Y.Map<unknown> | undefined {
  const v = parent?.get(key);
  return v instanceof Y.Map ? (v as Y.Map<unknown>) : undefined;
}

function grantMap(doc: Y.Doc, groupId: string, grantId: string): Y.Map<unknown> | undefined {
  return nested(nested(entity(doc, 'groups', groupId), GRANTS), grantId);
}

export function applyOps(doc: Y.Doc, ops: readonly Op[], origin: unknown = null): void {
  if (ops.length === 0) return;
  doc.transact(() => {
    for (const op of ops) {
      switch (op.type) {
        case 'entity.create': {
          // Integrate the new map first: a Y.Map is only readable once it is in the doc.
          const map = doc.getMap(op.collection).set(op.id, new Y.Map<unknown>());
          setFields(map, op.fields);
          for (const key of NESTED.get(op.collection) ?? []) map.set(key, new Y.Map());
          break;
        }
        case 'entity.set': {
          const map = entity(doc, op.collection, op.id);
          if (map) setFields(map, op.fields);
          break;
        }
        case 'member.add':
          // The value is a constant: one byte per member in the encoded doc.
          nested(entity(doc, 'groups', op.groupId), MEMBERS)?.set(op.userId, true);
          break;
        case 'member.remove': {
          const members = nested(entity(doc, 'groups', op.groupId), MEMBERS);
          if (members?.has(op.userId)) members.delete(op.userId);
          break;
        }
        case 'grant.create': {
          const grants = nested(entity(doc, 'groups', op.groupId), GRANTS);
          if (!grants) break;
          const map = grants.set(op.grantId, new Y.Map<unknown>());
          setFields(map, op.fields);
          const resources = map.set(RESOURCES, new Y.Map<unknown>());
          for (const id of op.resourceIds) resources.set(id, true);
          break;
        }
        case 'grant.set': {
          const map = grantMap(doc, op.groupId, op.grantId);
          if (map) setFields(map, op.fields, true);
          break;
        }
        case 'grant.resources': {
          const resources = nested(grantMap(doc, op.groupId, op.grantId), RESOURCES);
          if (!resources) break;
          for (const id of op.remove) if (resources.has(id)) resources.delete(id);
          for (const id of op.add) resources.set(id, true);
          break;
        }
        case 'meta.set':
          setFields(doc.getMap(META), op.fields);
          break;
      }
    }
  }, origin);
}
