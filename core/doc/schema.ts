/**
 * The workspace Y.Doc schema (ARCHITECTURE.md "Data"). Root maps hold entities as Y.Maps under fresh
 * random ids; fields are plain values (last writer wins per field). Entities are deleted by a `deletedAt`
 * tombstone, never by deleting the key. Groups nest `members` (userId → true) and `grants`
 * (grantId → Y.Map); grants nest `resources` (resourceId → true). The fields of each entity are declared
 * in entity-schema.ts.
 */
import type { Collection } from '../model.ts';

export const COLLECTIONS: readonly Collection[] = ['users', 'groups', 'apps', 'dataSources', 'conflicts'];
export const META = 'meta';
export const ROOT_NAMES: readonly string[] = [...COLLECTIONS, META];
export const SCHEMA_VERSION = 1;

export const MEMBERS = 'members';
export const GRANTS = 'grants';
export const RESOURCES = 'resources';

/** The limits live in rules/limits.ts; re-exported for the readers of the schema. */
export { MAX_EMAIL, MAX_TEXT, MAX_URL_PATTERN, MAX_URL_PATTERNS } from '../rules/limits.ts';
