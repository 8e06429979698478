/**
 * The declared schema of every entity of the workspace doc (ARCHITECTURE.md "Data"): each field with its
 * stored kind, its limits and its least-privilege read default. The readers (read-entities.ts), the field
 * checks of `validateChanges` (check-fields.ts) and the preview of ops (ops.ts) are derived from it, and
 * the type checks at the end fail when a model type in model.ts and its schema disagree. Adding a field:
 * model.ts, this file, and the command that writes it.
 *
 * Schema 2 (schema.ts): the fields each entity lists last are written once, at creation, as one packed
 * array (stored-values.ts encodes it); later edits write the field under its own name, as schema 1 did.
 *
 * Read defaults: a wrong type reads as no flag, no grant, archived status, end-user role, no role outside
 * default groups, not hidden outside View. Rules that need the rest of the doc (references, reserved
 * names, one default group per role) are explicit checks in validate-changes.ts.
 */

import {
  APP_LEVELS,
  type App,
  type Collection,
  type Conflict,
  type ConflictEdit,
  DATA_SOURCE_LEVELS,
  type DataSource,
  type EntityRef,
  FLAGS,
  type Grant,
  type Group,
  RESOURCE_TYPES,
  ROLES,
  SCOPES,
  USER_STATUSES,
  type User,
  type WorkspaceMeta,
} from '../model.ts';
import { checkEmail, checkSlugFormat } from '../rules/formats.ts';
import {
  MAX_CONFLICT_LIST_JSON,
  MAX_CONFLICT_TEXT,
  MAX_EMAIL,
  MAX_KIND,
  MAX_SLUG,
  MAX_TEXT,
  MAX_URL_PATTERNS,
  MAX_WORKSPACE_SLUG,
  NAME_MAX_LENGTH,
} from '../rules/limits.ts';
import { validateUrlPattern } from '../rules/url-pattern-syntax.ts';
import {
  ABSENT,
  type EntitySchema,
  entity,
  entityMap,
  type FieldsOf,
  flag,
  flags,
  idList,
  jsonList,
  membershipSet,
  oneOf,
  oneOfBy,
  oneOfOnly,
  optionalOneOf,
  optionalTime,
  type ReadOf,
  storedOnly,
  text,
  textList,
  time,
} from './fields.ts';
import { isMembershipSource } from './member-tokens.ts';
import { GRANTS, MEMBERS, RESOURCES_V1 } from './schema.ts';

/** Conflict codes are kebab-case identifiers (errors.ts); the limit only bounds junk. */
const MAX_CONFLICT_CODE = 100;

const EMAIL = {
  // Stored as commands store it: trimmed and lower-cased (readers lower-case, so no case may hide a duplicate).
  test: (v: string) => {
    const checked = checkEmail(v);
    return checked.ok && checked.value === v;
  },
  message: 'must be an email address, in lower case',
};
const SLUG = { test: (v: string) => checkSlugFormat(v).ok, message: 'must be a slug' };
const URL_PATTERN = { test: (v: string) => validateUrlPattern(v).ok, message: 'invalid URL pattern' };

export const USER = entity(
  'user',
  {
    email: text(0, MAX_EMAIL, { format: EMAIL, lowerCase: true }),
    name: text(0, MAX_TEXT),
    role: oneOf(ROLES, 'end-user'),
    status: oneOf(USER_STATUSES, 'archived'),
    createdAt: time(),
    activatedAt: optionalTime(),
  },
  ['email', 'createdAt', 'name', 'role', 'status'],
);

export const GRANT = entity(
  'grant',
  {
    name: text(1, NAME_MAX_LENGTH),
    resourceType: oneOf(RESOURCE_TYPES, ABSENT),
    scope: oneOf(SCOPES, ABSENT),
    // A resource of the other type comes from concurrent edits of the grant (type here, resources there):
    // a merge, not junk. Repair removes it; rejecting it would drop the sender's whole offline batch.
    resourceIds: idList({
      stored: RESOURCES_V1,
      refersTo: ['apps', 'dataSources'],
      missing: 'names no such resource',
    }),
    level: oneOfBy('resourceType', { app: APP_LEVELS, dataSource: DATA_SOURCE_LEVELS }),
    hideFromDashboard: flag({ field: 'level', is: 'view', message: 'only with View' }),
    createdAt: time(),
    deletedAt: optionalTime(),
  },
  ['name', 'resourceType', 'scope', 'resourceIds', 'level', 'hideFromDashboard', 'createdAt'],
);

export const GROUP = entity(
  'group',
  {
    name: text(1, NAME_MAX_LENGTH),
    kind: oneOf(['custom', 'default'], 'custom'),
    role: oneOfOnly(ROLES, { field: 'kind', is: 'default', message: 'only default groups have a role' }),
    flags: flags(FLAGS),
    memberships: membershipSet({
      stored: MEMBERS,
      effective: 'members',
      refersTo: ['users'],
      missing: 'names no such user',
    }),
    grants: entityMap<Grant>(GRANTS, GRANT),
    createdAt: time(),
    deletedAt: optionalTime(),
  },
  ['name', 'kind', 'role', 'flags', 'createdAt'],
);

export const APP = entity(
  'app',
  {
    name: text(1, MAX_TEXT),
    slug: text(1, MAX_SLUG, { format: SLUG }),
    urlPatterns: textList(MAX_URL_PATTERNS, URL_PATTERN, 'must be a list of URL patterns'),
    forwardAuthLevel: optionalOneOf(APP_LEVELS),
    createdAt: time(),
    deletedAt: optionalTime(),
  },
  ['name', 'slug', 'urlPatterns', 'createdAt'],
);

export const DATA_SOURCE = entity(
  'dataSource',
  {
    name: text(1, MAX_TEXT),
    kind: text(1, MAX_KIND),
    createdAt: time(),
    deletedAt: optionalTime(),
  },
  ['name', 'kind', 'createdAt'],
);

function readRef(r: unknown): EntityRef | undefined {
  if (!r || typeof r !== 'object') return undefined;
  const { collection, id, name } = r as Record<string, unknown>;
  if (typeof collection !== 'string' || typeof id !== 'string') return undefined;
  return { collection: collection as Collection, id, name: typeof name === 'string' ? name : undefined };
}

function readEdit(e: unknown): ConflictEdit | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const { actor, at, summary, source } = e as Record<string, unknown>;
  if (typeof actor !== 'string') return undefined;
  return {
    actor,
    at: Number(at) || 0,
    summary: typeof summary === 'string' ? summary : '',
    ...(isMembershipSource(source) ? { source } : {}),
  };
}

export const CONFLICT = entity(
  'conflict',
  {
    code: text(1, MAX_CONFLICT_CODE),
    message: text(0, MAX_CONFLICT_TEXT),
    entities: jsonList(MAX_CONFLICT_LIST_JSON, readRef),
    edits: jsonList(MAX_CONFLICT_LIST_JSON, readEdit),
    repair: text(0, MAX_CONFLICT_TEXT),
    createdAt: time(),
    resolvedAt: optionalTime(),
  },
  ['code', 'message', 'entities', 'edits', 'repair', 'createdAt'],
);

export const META_SCHEMA = entity('meta', {
  name: text(1, MAX_TEXT),
  slug: text(1, MAX_WORKSPACE_SLUG),
  /** Written by the server only (schema.ts' SCHEMA_VERSION, checked in validate-changes.ts); a migration reads it. */
  schemaVersion: storedOnly(),
});

/** The schema of each root collection's entities. */
export const SCHEMAS: Readonly<Record<Collection, EntitySchema>> = {
  users: USER,
  groups: GROUP,
  apps: APP,
  dataSources: DATA_SOURCE,
  conflicts: CONFLICT,
};

// ---------------------------------------------------------------------------------------------------------
// The model and the schema agree: same keys, same types (optional markers aside).

/** Not homomorphic: optional keys become required ones that admit undefined. */
type Plain<T> = { [K in Extract<keyof T, string>]: T[K] };
type Same<A, B> = [Plain<A>] extends [Plain<B>] ? ([Plain<B>] extends [Plain<A>] ? true : false) : false;
type Agree<_T extends true> = true;

export type SchemaAgreesWithModel = [
  Agree<Same<User, ReadOf<typeof USER>>>,
  Agree<Same<Grant, ReadOf<typeof GRANT>>>,
  // `members` is derived from `memberships` when the group is read (the ones live at that time).
  Agree<Same<Omit<Group, 'members'>, ReadOf<typeof GROUP>>>,
  Agree<Same<App, ReadOf<typeof APP>>>,
  Agree<Same<DataSource, ReadOf<typeof DATA_SOURCE>>>,
  Agree<Same<Conflict, ReadOf<typeof CONFLICT>>>,
  Agree<Same<WorkspaceMeta, FieldsOf<typeof META_SCHEMA>>>,
];
