/**
 * The workspace Y.Doc schema (ARCHITECTURE.md "Data"), version 2. Root maps hold entities as Y.Maps under
 * fresh random ids. Entities are deleted by a `deletedAt` tombstone, never by deleting the key. The fields
 * of each entity are declared in entity-schema.ts; how they are stored:
 *
 * - `i` (PACK): the fields set at creation, written once as one array (enums as their index, flags as a
 *   bit mask — stored-values.ts). One Yjs item instead of one per field: immutable fields (email,
 *   createdAt, kind) and the first values of the others.
 * - A field edited later is written under its own name (a plain value, as in schema 1) and wins over the
 *   packed one: concurrent edits of different fields still merge, last writer wins per field.
 * - A group's `members` is a nested Y.Text of user ids, each followed by a space: adding inserts a token,
 *   removing deletes it, so two admins adding and removing members concurrently both keep their edits
 *   (an add-wins set), at one byte per character instead of a Yjs item per member.
 * - A grant's `resourceIds` is one value, the ids joined by spaces, written whole (last writer wins, as the
 *   grant's shape already merged).
 * - `grants` is a nested Y.Map of grant id → grant Y.Map (entities of their own, packed the same way).
 *
 * Schema 1 kept every field under its own name, members as a nested Y.Map (id → true) and grant resources
 * as a nested Y.Map `resources`; readers still read it, and migrate-v1-to-v2.ts upgrades such a doc.
 */
import type { Collection } from '../model.ts';

export const COLLECTIONS: readonly Collection[] = ['users', 'groups', 'apps', 'dataSources', 'conflicts'];
export const META = 'meta';
/** `requests`: access requests, written by the server only (requests/access-request.ts). */
export const REQUESTS_ROOT = 'requests';
export const ROOT_NAMES: readonly string[] = [...COLLECTIONS, META, REQUESTS_ROOT];
export const SCHEMA_VERSION = 2;
/** The key of the packed creation-time fields (see above). */
export const PACK = 'i';

export const MEMBERS = 'members';
export const GRANTS = 'grants';
/** Where schema 1 kept a grant's resources (a nested Y.Map); schema 2 refuses it. */
export const RESOURCES_V1 = 'resources';

/** The limits live in rules/limits.ts; re-exported for the readers of the schema. */
export { MAX_EMAIL, MAX_TEXT, MAX_URL_PATTERN, MAX_URL_PATTERNS } from '../rules/limits.ts';
