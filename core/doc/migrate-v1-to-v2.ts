/**
 * Schema 1 → 2 (schema.ts), in place, in one transaction: each group's members (a nested Y.Map of
 * id → true) become a Y.Text of id tokens, each grant's nested `resources` map becomes one `resourceIds`
 * value, and `meta.schemaVersion` becomes 2. Fields stay under their own names — in schema 2 that is an
 * edit over an absent pack, so every entity reads exactly as before (`readState` is unchanged) and a
 * schema-1 replica's offline edits of plain fields still apply. What it cannot keep: offline edits of
 * members or resources made by a schema-1 replica land in the maps this replaces, and are dropped.
 *
 * Only the server runs it, once, when it loads a doc (sync-server/sync/migrate-doc.ts, which writes
 * `MIGRATION_OPS` through its pipeline: validated, stored with one audit row, then relayed): the nested
 * types it creates sit under fixed keys, which is safe only with a single writer.
 */
import * as Y from 'yjs';
import type { Op } from '../ops.ts';
import { GRANT } from './entity-schema.ts';
import { COLLECTIONS, GRANTS, MEMBERS, META, RESOURCES_V1, SCHEMA_VERSION } from './schema.ts';
import { joinIds, StoredEntity, storedLayout } from './stored-values.ts';

type YMap = Y.Map<unknown>;

/** The doc's schema version: `meta.schemaVersion`, 1 when unset (docs made before it existed). */
export function docSchemaVersion(doc: Y.Doc): number {
  const v = doc.getMap(META).get('schemaVersion');
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 1;
}

/** True for a doc that holds a workspace (created, or synced) — an empty replica has no version yet. */
function holdsWorkspace(doc: Y.Doc): boolean {
  return doc.getMap(META).size > 0 || COLLECTIONS.some((c) => doc.getMap(c).size > 0);
}

/**
 * Why this code may not edit `doc`, in words for the person using it, or null when it may: a doc of a
 * newer schema (this build is older than the server), or of an older one not migrated yet (a replica
 * that has not synced since the server was updated).
 */
export function schemaProblem(doc: Y.Doc): string | null {
  if (!holdsWorkspace(doc)) return null;
  const version = docSchemaVersion(doc);
  if (version > SCHEMA_VERSION) return 'Gatehouse was updated — reload the page to keep working.';
  if (version < SCHEMA_VERSION)
    return 'Gatehouse was updated — this workspace is upgraded when it next syncs. Reload once online to keep editing.';
  return null;
}

/** A schema-1 id set's ids as tokens (an id with a space cannot be one, and names no user a reader finds). */
function tokens(ids: Iterable<string>): string {
  let s = '';
  for (const id of [...ids].sort()) if (id.length > 0 && !/\s/.test(id)) s += `${id} `;
  return s;
}

function migrateGroup(group: YMap): void {
  const members = group.get(MEMBERS);
  if (!(members instanceof Y.Text)) {
    const ids = members instanceof Y.Map ? tokens(members.keys()) : '';
    const text = group.set(MEMBERS, new Y.Text());
    if (ids) text.insert(0, ids);
  }
  const grants = group.get(GRANTS);
  if (!(grants instanceof Y.Map)) return;
  for (const grant of grants.values()) {
    if (!(grant instanceof Y.Map)) continue;
    const g = grant as YMap;
    if (new StoredEntity(g, storedLayout(GRANT)).get('resourceIds') !== undefined) continue;
    const resources = g.get(RESOURCES_V1);
    g.set('resourceIds', resources instanceof Y.Map ? joinIds(resources.keys()) : '');
    if (g.has(RESOURCES_V1)) g.delete(RESOURCES_V1);
  }
}

/**
 * The schema-1 → 2 changes of every group, inside the caller's transaction (write-ops.ts runs them when
 * an op sets `meta.schemaVersion` to 2 on an older doc).
 */
export function upgradeGroupsToV2(doc: Y.Doc): void {
  for (const group of doc.getMap('groups').values()) if (group instanceof Y.Map) migrateGroup(group as YMap);
}

/** The ops that upgrade a doc to this schema: setting the version runs the migration (write-ops.ts). */
export const MIGRATION_OPS: readonly Op[] = [{ type: 'meta.set', fields: { schemaVersion: SCHEMA_VERSION } }];

/** True for a doc that holds a workspace of an older schema: the server migrates it when it loads it. */
export const needsMigration = (doc: Y.Doc): boolean =>
  docSchemaVersion(doc) < SCHEMA_VERSION && holdsWorkspace(doc);

/**
 * Upgrades a schema-1 doc to schema 2 in one transaction (`origin` marks it). Idempotent: a doc already
 * at schema 2 is left alone. Returns whether it wrote anything. (The server writes `MIGRATION_OPS`
 * through its pipeline instead, which does the same.)
 */
export function migrateV1toV2(doc: Y.Doc, origin: unknown = 'migration'): boolean {
  if (!needsMigration(doc)) return false;
  doc.transact(() => {
    upgradeGroupsToV2(doc);
    doc.getMap(META).set('schemaVersion', 2);
  }, origin);
  return true;
}
