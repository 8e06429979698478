/**
 * Reply body schemas (zod 4): what each route answers on success, and the one error shape. The OpenAPI
 * document is generated from these, and test/sync-server/openapi-responses.test.ts holds real replies to
 * that document. The server's own JSON (serialize.ts, the route files) is described exactly
 * (`z.object`: no other members); structures core computes (via, explanations, impact rows) name their
 * members and allow more (`z.looseObject`), so core can grow them without breaking clients.
 */
import { z } from 'zod';
import {
  APP_LEVELS,
  DATA_SOURCE_LEVELS,
  FLAGS,
  type Flag,
  RESOURCE_TYPES,
  ROLES,
  USER_STATUSES,
} from '../../core/index.ts';

const Role = z.enum(ROLES);
const UserStatus = z.enum(USER_STATUSES);
const Level = z.enum([...APP_LEVELS, ...DATA_SOURCE_LEVELS]);
const ResourceType = z.enum(RESOURCE_TYPES);
const Scope = z.enum(['all', 'custom']);
/** Milliseconds since the epoch. */
const Ms = z.number();
const Flags = z.object(Object.fromEntries(FLAGS.map((f) => [f, z.boolean()])) as Record<Flag, z.ZodBoolean>);

export const ErrorReply = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

// Entities, as serialize.ts writes them.
export const GrantJson = z.object({
  id: z.string(),
  name: z.string(),
  resourceType: ResourceType,
  scope: Scope,
  resourceIds: z.array(z.string()),
  level: Level,
  hideFromDashboard: z.boolean(),
  createdAt: Ms,
});
export const GroupJson = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['default', 'custom']),
  role: Role.nullable(),
  flags: Flags,
  members: z.array(z.string()),
  /** Custom groups: each user's memberships by source, expired ones included until the server removes them. */
  memberships: z.array(
    z.object({
      userId: z.string(),
      live: z.boolean(),
      expiresAt: Ms.nullable(),
      sources: z.array(z.object({ source: z.string(), expiresAt: Ms.nullable() })),
    }),
  ),
  grants: z.array(GrantJson),
  createdAt: Ms,
});
export const UserJson = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  status: UserStatus,
  createdAt: Ms,
});
export const AppJson = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  urlPatterns: z.array(z.string()),
  /** Forward auth: the level every request needs; null: by method (GET/HEAD View, others Edit). */
  forwardAuthLevel: z.enum(APP_LEVELS).nullable(),
  createdAt: Ms,
});
export const DataSourceJson = z.object({ id: z.string(), name: z.string(), kind: z.string(), createdAt: Ms });
export const ConflictJson = z.object({
  id: z.string(),
  code: z.string(),
  message: z.string(),
  entities: z.array(z.looseObject({ collection: z.string(), id: z.string(), name: z.string().optional() })),
  edits: z.array(z.looseObject({ actor: z.string(), at: Ms, summary: z.string() })),
  repair: z.string(),
  createdAt: Ms,
  resolvedAt: Ms.nullable(),
});

// What a change does (core/impact/).
const UserRef = { userId: z.string() };
export const Impact = z.looseObject({
  roleChanges: z.array(
    z.looseObject({ ...UserRef, email: z.string(), name: z.string(), from: Role, to: Role }),
  ),
  accessChanges: z.array(
    z.looseObject({
      ...UserRef,
      resourceType: ResourceType,
      resourceId: z.string(),
      resourceName: z.string(),
      before: Level.nullable(),
      after: Level.nullable(),
      hiddenBefore: z.boolean(),
      hiddenAfter: z.boolean(),
    }),
  ),
  accessChangesTruncated: z.boolean(),
  membershipsAdded: z.array(z.looseObject({ ...UserRef, groupId: z.string(), groupName: z.string() })),
  membershipsRemoved: z.array(z.looseObject({ ...UserRef, groupId: z.string(), groupName: z.string() })),
  buildersBefore: z.number(),
  buildersAfter: z.number(),
  builderDelta: z.number(),
  usersAffected: z.number(),
});

/** `?dryRun=true`: the impact, nothing changed. */
export const DryRunReply = z.object({ dryRun: z.literal(true), impact: Impact });
/** A committed command: the changed entity (when there is one) and the impact. */
export const changed = <S extends z.ZodRawShape>(shape: S) => z.object({ ...shape, impact: Impact });
export const ImpactReply = changed({});

// Access (core/access/summarize.ts, catalog.ts, explain.ts).
const Via = z.looseObject({
  groupId: z.string(),
  groupName: z.string(),
  groupKind: z.enum(['default', 'custom']),
  grantId: z.string(),
  grantName: z.string(),
  scope: Scope,
  level: Level,
});
const AppSummary = z.looseObject({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  urlPatterns: z.array(z.string()),
  level: z.enum(APP_LEVELS).nullable(),
  hidden: z.boolean(),
  via: z.array(Via),
});
/** core/access/explain.ts `Explanation`: why a user has a level on a resource, and what would give more. */
export const Explanation = z.looseObject({
  resource: z.looseObject({ type: ResourceType, id: z.string(), name: z.string() }),
  user: z.looseObject({ id: z.string(), name: z.string(), role: Role }),
  level: Level.nullable(),
  hidden: z.boolean(),
  via: z.array(Via),
  text: z.array(z.string()),
  suggestions: z.array(z.looseObject({ level: Level, text: z.string() })),
});
const Person = z.looseObject({ id: z.string(), name: z.string(), email: z.string() });
const Index = z.number().int().min(0);
const AccessClass = { level: Level, hidden: z.boolean(), via: z.array(Index) };
const TypeSummary = z.object({
  all: z.object(AccessClass).nullable(),
  listed: z.array(z.object({ ...AccessClass, items: z.array(Index) })),
});
/** core/access/summarize.ts `UserSummary`. */
export const AccessReply = z.object({
  format: z.literal(2),
  catalog: z.string(),
  workspace: z.object({ slug: z.string(), name: z.string() }),
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: Role, status: UserStatus }),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.enum(['default', 'custom']),
      role: Role.optional(),
    }),
  ),
  grants: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      group: Index,
      scope: Scope,
      level: Level,
      hideFromDashboard: z.boolean(),
    }),
  ),
  flags: Flags,
  flagVia: z.record(z.string(), z.array(z.string())),
  apps: TypeSummary,
  dataSources: TypeSummary,
  admins: z.array(Person),
  /** With `?url=`: the page and the app that matches it, and why (not). */
  url: z.string().optional(),
  match: z.object({ app: AppSummary.nullable(), explanation: Explanation.nullable() }).optional(),
});
/** core/access/catalog.ts `AccessCatalog`. */
export const AccessCatalogReply = z.object({
  format: z.literal(2),
  workspace: z.object({ slug: z.string(), name: z.string() }),
  apps: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      slug: z.string(),
      urlPatterns: z.array(z.string()),
      createdAt: Ms,
    }),
  ),
  dataSources: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })),
});

// Audit and tokens.
export const AuditEntryJson = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable() }).nullable(),
  source: z.string(),
  action: z.string(),
  entities: z.array(
    z.looseObject({
      collection: z.string(),
      id: z.string(),
      name: z.string().optional(),
      fields: z.array(z.string()),
    }),
  ),
  summary: z.string(),
});
export const TokenJson = z.object({
  id: z.string(),
  name: z.string(),
  accountId: z.string(),
  createdAt: Ms,
  lastUsedAt: Ms.nullable(),
});

// Accounts and sessions.
export const AccountJson = z.object({ id: z.string(), email: z.string(), name: z.string(), createdAt: Ms });
export const WorkspaceRef = z.object({ slug: z.string(), name: z.string() });
export const SessionReply = z.object({ token: z.string(), expiresAt: Ms, account: AccountJson });
export const MeReply = z.object({
  account: AccountJson,
  workspaces: z.array(
    z.object({ slug: z.string(), name: z.string(), role: Role, status: UserStatus, userId: z.string() }),
  ),
});
