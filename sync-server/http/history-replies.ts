/** Reply schemas of the permission-history routes (routes/history.ts), for the OpenAPI document. */
import { z } from 'zod';
import { APP_LEVELS, DATA_SOURCE_LEVELS, RESOURCE_TYPES, ROLES, USER_STATUSES } from '../../core/index.ts';
import { UserJson } from './replies.ts';

const Level = z.enum([...APP_LEVELS, ...DATA_SOURCE_LEVELS]);
const ResourceType = z.enum(RESOURCE_TYPES);
const Role = z.enum(ROLES);
const Status = z.enum(USER_STATUSES);

/** Which moment an answer is about: the time asked, the last update included and when it was committed. */
export const MomentJson = z.object({ at: z.string(), seq: z.number(), lastChangeAt: z.string().nullable() });
const HistoryUser = UserJson;
const UserRef = z.object({ id: z.string(), email: z.string() });
export const CauseJson = z
  .object({
    auditId: z.number(),
    at: z.string(),
    actor: z.object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable() }).nullable(),
    action: z.string(),
    summary: z.string(),
  })
  .nullable();
const ResourceLevel = z.object({
  id: z.string(),
  name: z.string(),
  level: Level,
  hidden: z.boolean(),
  via: z.array(z.string()),
});

export const HistoryAccessReply = z.object({
  moment: MomentJson,
  user: HistoryUser,
  hasAccess: z.boolean(),
  groups: z.array(z.string()),
  flags: z.record(z.string(), z.boolean()),
  apps: z.array(ResourceLevel),
  dataSources: z.array(ResourceLevel),
});

export const HistoryDiffReply = z.object({
  from: MomentJson,
  to: MomentJson,
  changes: z.array(
    z.object({
      user: UserRef,
      resourceType: ResourceType,
      resourceId: z.string(),
      resourceName: z.string(),
      before: Level.nullable(),
      after: Level.nullable(),
      hiddenBefore: z.boolean(),
      hiddenAfter: z.boolean(),
      cause: CauseJson,
    }),
  ),
  roleChanges: z.array(z.looseObject({ userId: z.string(), from: Role, to: Role })),
  membershipsAdded: z.array(
    z.looseObject({ userId: z.string(), groupId: z.string(), groupName: z.string() }),
  ),
  membershipsRemoved: z.array(
    z.looseObject({ userId: z.string(), groupId: z.string(), groupName: z.string() }),
  ),
  membershipsAddedCount: z.number().int(),
  membershipsRemovedCount: z.number().int(),
  buildersBefore: z.number(),
  buildersAfter: z.number(),
  truncated: z.boolean(),
});

const LevelChange = z.object({
  resourceType: ResourceType,
  resourceId: z.string(),
  resourceName: z.string(),
  before: Level.nullable(),
  after: Level.nullable(),
});

export const UserTimelineReply = z.object({
  user: HistoryUser,
  from: MomentJson,
  to: MomentJson,
  initial: z
    .object({
      role: Role,
      status: Status,
      groups: z.array(z.string()),
      access: z.array(LevelChange.extend({ level: Level.nullable() })),
    })
    .nullable(),
  events: z.array(
    z.object({
      seq: z.number(),
      at: z.string(),
      role: z.object({ from: Role.nullable(), to: Role.nullable() }).optional(),
      status: z.object({ from: Status.nullable(), to: Status.nullable() }).optional(),
      groupsAdded: z.array(z.string()),
      groupsRemoved: z.array(z.string()),
      access: z.array(LevelChange),
      cause: CauseJson,
    }),
  ),
  truncated: z.boolean(),
});

export const AppTimelineReply = z.object({
  app: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  from: MomentJson,
  to: MomentJson,
  initial: z.array(z.object({ user: UserRef, level: Level.nullable() })),
  events: z.array(
    z.object({
      seq: z.number(),
      at: z.string(),
      user: UserRef,
      before: Level.nullable(),
      after: Level.nullable(),
      cause: CauseJson,
    }),
  ),
  truncated: z.boolean(),
});

export const HistoryBoundsReply = z.object({ start: z.string(), now: z.string() });

export const HistoryReviewReply = z.object({
  moment: MomentJson,
  historyStart: z.string(),
  rows: z.array(
    z.object({
      user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: Role }),
      resourceType: ResourceType,
      resourceId: z.string(),
      resourceName: z.string(),
      level: Level,
      hidden: z.boolean(),
      via: z.array(z.string()),
      since: z.string().nullable(),
    }),
  ),
});
