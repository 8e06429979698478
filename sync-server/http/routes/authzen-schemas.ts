/**
 * The AuthZEN 1.0 request and reply bodies (zod 4), as Gatehouse speaks them (issue 14): subject
 * `{type: "user", id}`, resource `{type: "app" | "data_source" | "workspace", id}`, action `{name}`.
 * Types are checked here (a wrong type or a missing member is a 400 of the whole payload); unknown
 * names are decisions (`decision: false` with a reason), never errors. The OpenAPI document is generated
 * from these.
 */
import { z } from 'zod';
import { decisions } from '../../../core/index.ts';

/** Items of one boxcar: more is a 400 of the whole payload. */
export const MAX_EVALUATIONS = 1000;
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

const Properties = z.record(z.string(), z.unknown()).optional();
const Type = z.string().min(1).max(64);
const Id = z.string().min(1).max(320);
const Subject = z.object({ type: Type, id: Id, properties: Properties });
const Resource = z.object({ type: Type, id: Id, properties: Properties });
const Action = z.object({ name: z.string().min(1).max(100), properties: Properties });
const Context = z.record(z.string(), z.unknown()).optional();

export const EvaluationBody = z.object({
  subject: Subject,
  action: Action,
  resource: Resource,
  context: Context,
});

const Item = z.object({
  subject: Subject.optional(),
  action: Action.optional(),
  resource: Resource.optional(),
  context: Context,
});
export const EvaluationsBody = Item.extend({
  evaluations: z
    .array(Item)
    .max(MAX_EVALUATIONS, `At most ${MAX_EVALUATIONS} evaluations in one request`)
    .optional(),
  options: z
    .looseObject({ evaluations_semantic: z.enum(decisions.EVALUATIONS_SEMANTICS).optional() })
    .optional(),
});

const Page = z
  .object({
    token: z.string().max(2000).optional(),
    limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).optional(),
  })
  .optional();

export const SearchSubjectBody = z.object({
  subject: z.object({ type: Type, properties: Properties }),
  action: Action,
  resource: Resource,
  context: Context,
  page: Page,
});
export const SearchResourceBody = z.object({
  subject: Subject,
  action: Action,
  resource: z.object({ type: Type, properties: Properties }),
  context: Context,
  page: Page,
});
export const SearchActionBody = z.object({
  subject: Subject,
  resource: Resource,
  context: Context,
  page: Page,
});

// Replies. Contexts are core's (reasons, grant path, suggestions): named, and open to more members.
const DecisionContext = z.looseObject({
  reason: z.string(),
  reason_admin: z.object({ en: z.string() }).optional(),
  reason_user: z.object({ en: z.string() }).optional(),
  error: z.object({ status: z.number(), message: z.string() }).optional(),
});
export const DecisionReply = z.object({ decision: z.boolean(), context: DecisionContext.optional() });
export const EvaluationsReply = z.union([z.object({ evaluations: z.array(DecisionReply) }), DecisionReply]);
const PageReply = z.object({ next_token: z.string() });
const EntityReply = z.object({ type: z.string(), id: z.string(), properties: Properties });
export const EntitySearchReply = z.object({
  page: PageReply,
  results: z.array(EntityReply),
  context: DecisionContext.optional(),
});
export const ActionSearchReply = z.object({
  page: PageReply,
  results: z.array(z.object({ name: z.string() })),
  context: DecisionContext.optional(),
});
export const DiscoveryReply = z.object({
  policy_decision_point: z.string(),
  access_evaluation_endpoint: z.string(),
  access_evaluations_endpoint: z.string(),
  search_subject_endpoint: z.string(),
  search_resource_endpoint: z.string(),
  search_action_endpoint: z.string(),
});
