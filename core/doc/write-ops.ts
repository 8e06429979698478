/**
 * Writes ops to a workspace Y.Doc in one transaction, in the stored layout of schema 2 (schema.ts): a new
 * entity's fields packed into one array, later edits under each field's own name, members as tokens of a
 * Y.Text, a grant's resources as one value.
 */
import * as Y from 'yjs';
import type { Collection, Membership } from '../model.ts';
import type { Fields, Op } from '../ops.ts';
import { REQUESTS } from '../requests/access-request.ts';
import { GRANT, SCHEMAS } from './entity-schema.ts';
import { type EntitySchema, nestedTypes } from './fields.ts';
import { memberToken, readMemberships, tokenSource, tokenUserId } from './member-tokens.ts';
import { docSchemaVersion, upgradeGroupsToV2 } from './migrate-v1-to-v2.ts';
import { COLLECTIONS, GRANTS, MEMBERS, META, PACK } from './schema.ts';
import {
  joinIds,
  packOf,
  removeTokens,
  StoredEntity,
  splitIds,
  stored,
  storedLayout,
} from './stored-values.ts';

type YMap = Y.Map<unknown>;

/** The fields a new entity's pack holds; the others (optional times, unknown keys) get their own keys. */
const PACKED = new Map<EntitySchema, ReadonlySet<string>>(
  [...Object.values(SCHEMAS), GRANT].map((s) => [s, new Set(storedLayout(s).slots.keys())]),
);

/** Writes a new entity's fields: the pack, then what it does not hold. */
function createFields(
  map: YMap,
  schema: EntitySchema,
  fields: Fields,
  ids: Readonly<Record<string, readonly string[]>> = {},
): void {
  map.set(PACK, packOf(storedLayout(schema), fields, ids));
  const packed = PACKED.get(schema)!;
  for (const [k, v] of Object.entries(fields)) if (!packed.has(k) && v !== undefined) map.set(k, v);
}

/**
 * Writes edits under each field's own name. `always`: write even a value the entity already reads as, so
 * that it competes with concurrent writes (grant shapes).
 */
function setFields(map: YMap, schema: EntitySchema | null, fields: Fields, always = false): void {
  const current = schema ? new StoredEntity(map, storedLayout(schema)) : map;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) {
      if (map.has(k)) map.delete(k);
    } else if (always || current.get(k) !== v) map.set(k, v);
  }
}

/** The nested types each entity is created with (a group's members and grants), from the schema. */
const NESTED = new Map(COLLECTIONS.map((c) => [c, nestedTypes(SCHEMAS[c])]));

function entity(doc: Y.Doc, collection: Collection, id: string): YMap | undefined {
  const v = doc.getMap(collection).get(id);
  return v instanceof Y.Map ? (v as YMap) : undefined;
}

function nested(parent: YMap | undefined, key: string): YMap | undefined {
  const v = parent?.get(key);
  return v instanceof Y.Map ? (v as YMap) : undefined;
}

function grantMap(doc: Y.Doc, groupId: string, grantId: string): YMap | undefined {
  return nested(nested(entity(doc, 'groups', groupId), GRANTS), grantId);
}

export function applyOps(doc: Y.Doc, ops: readonly Op[], origin: unknown = null): void {
  if (ops.length === 0) return;
  // The memberships of each members text this transaction wrote to, kept up to date as it writes; adds
  // are appended as one insert per text (a Y.Text insert costs tens of µs: 1,000 of them add up).
  const known = new Map<Y.Text, Map<string, readonly Membership[]>>();
  const appends = new Map<Y.Text, string[]>();
  const membersOf = (groupId: string): [Y.Text, Map<string, readonly Membership[]>] | null => {
    const text = entity(doc, 'groups', groupId)?.get(MEMBERS);
    if (!(text instanceof Y.Text)) return null; // schema 1 members: the doc awaits its migration
    let held = known.get(text);
    if (!held) known.set(text, (held = readMemberships(text.toString())));
    return [text, held];
  };
  const flush = (text: Y.Text) => {
    const tokens = appends.get(text);
    if (tokens) text.insert(text.length, tokens.map((t) => `${t} `).join(''));
    appends.delete(text);
  };
  /** Removes the user's tokens of `source` (every source when undefined). */
  const removeMembership = (
    text: Y.Text,
    held: Map<string, readonly Membership[]>,
    userId: string,
    source?: string,
  ) => {
    const had = held.get(userId);
    if (!had || (source !== undefined && !had.some((m) => m.source === source))) return;
    flush(text);
    removeTokens(
      text,
      (t) => tokenUserId(t) === userId && (source === undefined || tokenSource(t) === source),
    );
    const rest = source === undefined ? [] : had.filter((m) => m.source !== source);
    if (rest.length > 0) held.set(userId, rest);
    else held.delete(userId);
  };
  doc.transact(() => {
    for (const op of ops) {
      switch (op.type) {
        case 'entity.create': {
          // Integrate the new map first: a Y.Map is only readable once it is in the doc.
          const map = doc.getMap(op.collection).set(op.id, new Y.Map<unknown>());
          createFields(map, SCHEMAS[op.collection], op.fields);
          for (const { key, type } of NESTED.get(op.collection) ?? [])
            map.set(key, type === 'text' ? new Y.Text() : new Y.Map());
          break;
        }
        case 'entity.set': {
          const map = entity(doc, op.collection, op.id);
          if (map) setFields(map, SCHEMAS[op.collection], op.fields);
          break;
        }
        case 'member.add': {
          // The user's membership of this source becomes exactly this one (an extension replaces it).
          const members = membersOf(op.groupId);
          if (!members) break;
          const [text, held] = members;
          const source = op.source ?? 'manual';
          const current = held.get(op.userId)?.find((m) => m.source === source);
          if (current && current.expiresAt === op.expiresAt) break;
          if (current) removeMembership(text, held, op.userId, source);
          held.set(op.userId, [...(held.get(op.userId) ?? []), { source, expiresAt: op.expiresAt }]);
          const token = memberToken(op.userId, source, op.expiresAt);
          const list = appends.get(text);
          if (list) list.push(token);
          else appends.set(text, [token]);
          break;
        }
        case 'member.remove': {
          const members = membersOf(op.groupId);
          if (members) removeMembership(members[0], members[1], op.userId, op.source);
          break;
        }
        case 'grant.create': {
          const grants = nested(entity(doc, 'groups', op.groupId), GRANTS);
          if (!grants) break;
          const map = grants.set(op.grantId, new Y.Map<unknown>());
          createFields(map, GRANT, op.fields, { resourceIds: op.resourceIds });
          break;
        }
        case 'grant.set': {
          const map = grantMap(doc, op.groupId, op.grantId);
          if (map) setFields(map, GRANT, op.fields, true);
          break;
        }
        case 'grant.resources': {
          const map = grantMap(doc, op.groupId, op.grantId);
          if (!map) break;
          // The list is one value, written whole: read what the grant holds, edit, write it back.
          const ids = new Set(grantResourceIds(map));
          for (const id of op.remove) ids.delete(id);
          for (const id of op.add) ids.add(id);
          map.set('resourceIds', joinIds(ids));
          break;
        }
        case 'request.put':
          doc.getMap(REQUESTS).set(op.request.id, { ...op.request });
          break;
        case 'meta.set': {
          // Setting a newer schema version upgrades the doc to it, in this same transaction (the server's
          // migration; a fresh doc has nothing to upgrade).
          const version = op.fields.schemaVersion;
          if (version === 2 && docSchemaVersion(doc) < 2) upgradeGroupsToV2(doc);
          setFields(doc.getMap(META), null, op.fields);
          break;
        }
      }
    }
    for (const text of [...appends.keys()]) flush(text);
  }, origin);
}

/** A grant's resource ids as its reader reads them. */
function grantResourceIds(map: YMap): readonly string[] {
  const v = stored(map, GRANT).get('resourceIds');
  return typeof v === 'string' ? splitIds(v) : [];
}
