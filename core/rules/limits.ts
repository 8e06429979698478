/**
 * Every length and count limit of the workspace, in one place. Commands, the validation of sync updates
 * and the shells' forms all read them from here.
 */

/** Group and permission names (SPEC rule 8: 1–50 characters). */
export const NAME_MAX_LENGTH = 50;
/** Names of users, apps, data sources and the workspace. */
export const MAX_TEXT = 200;
/** RFC 5321's limit for a path. */
export const MAX_EMAIL = 254;
export const MAX_URL_PATTERNS = 20;
export const MAX_URL_PATTERN = 500;
/** `*` per URL pattern: each one costs a backtracking step when matching. */
export const MAX_WILDCARDS = 8;
/** Resources one custom permission may list. */
export const MAX_GRANT_RESOURCES = 10_000;
/** App slugs: lower-case letters, digits and dashes. */
export const MAX_SLUG = 64;
/** Data-source kinds (`postgres`, `restapi`, …). */
export const MAX_KIND = 50;
/** Workspace slugs (the first path segment of the admin app's URLs). */
export const MAX_WORKSPACE_SLUG = 40;
/** Conflict records: message and repair texts, and the JSON of their entity and edit lists. */
export const MAX_CONFLICT_TEXT = 2000;
export const MAX_CONFLICT_LIST_JSON = 20_000;
/** Passwords: at least 8 characters (NIST SP 800-63B), at most 256 (scrypt input stays cheap). */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;
/** CSV user import: a file the admin's tab can read and preview at once; larger lists go in parts. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 5_000;
