/**
 * Access requests (issue 16): a member asks for View/Edit on an app or a data source with a reason and a
 * duration; admins list them, see the approval's full impact, approve (maybe another group or a shorter
 * duration; role changes need `allowRoleChange`, else 409 with the impact) or deny with a reason. Every
 * step is one change through the doc's pipeline, audited (`request.create`, `request.approve`,
 * `request.deny`, and `request.cancel` when the requester withdraws an open request); requests live in the doc's `requests` root (core/requests/access-request.ts), so
 * admins' apps see them live, and approval's membership and the request's new state commit together.
 */
import { z } from 'zod';
import {
  type AccessRequest,
  LEVEL_LABELS,
  MAX_REASON,
  newId,
  openRequestFor,
  planApproval,
  planCancellation,
  planDenial,
  planRequest,
  readRequests,
  requestDecided,
  requestOptions,
} from '../../../core/index.ts';
import type { ChangeError, ChangeResult } from '../../sync/change.ts';
import { requestsOf } from '../../sync/requests-by-user.ts';
import { apiErrorFrom, isDryRun } from '../execute.ts';
import { Impact } from '../replies.ts';
import { Duration, RequestJson, requestJson } from '../request-json.ts';
import { ApiError } from '../respond.ts';
import { type Route, route, type WorkspaceScope } from '../route.ts';

const R = '/api/workspaces/:ws/requests';
const tag = 'requests';

const Resource = { resourceType: z.enum(['app', 'dataSource']), resourceId: z.string().min(1).max(100) };
const Level = z.enum(['view', 'edit', 'use', 'configure']);
const CreateBody = z.object({
  ...Resource,
  level: Level,
  reason: z.string().max(MAX_REASON),
  /** null: until revoked. */
  duration: Duration,
  /** Another of the options (GET …/requests/options) than the first, smallest one. */
  groupId: z.string().min(1).max(100).optional(),
});
const ApproveBody = z.object({
  groupId: z.string().min(1).max(100).optional(),
  /** Epoch ms, no later than asked; null: permanent (only when asked until revoked). */
  expiresAt: z.number().int().positive().nullable().optional(),
  allowRoleChange: z.boolean().optional(),
});
const DenyBody = z.object({ reason: z.string().max(MAX_REASON) });

const Option = z.object({
  groupId: z.string(),
  groupName: z.string(),
  level: z.string(),
  roleChange: z.string().nullable(),
  text: z.string(),
  meaning: z.string().nullable(),
});

const byName = (scope: WorkspaceScope) => scope.actor.name || scope.actor.email || 'an admin';

function findRequest(scope: WorkspaceScope, id: string): AccessRequest {
  const r = readRequests(scope.live.doc).find((x) => x.id === id);
  if (!r) throw new ApiError('not-found', 'Request not found');
  return r;
}

/** Run in the doc's queue right before an approval or denial commits: of two decisions, one wins. */
const stillOpen = (scope: WorkspaceScope, id: string) => (): ChangeError | null =>
  requestDecided(findRequest(scope, id));

function ensure(result: ChangeResult): void {
  if (!result.ok) throw apiErrorFrom(result.error);
}

export const requestRoutes: Route[] = [
  route({
    method: 'GET',
    path: `${R}/options`,
    summary:
      'The groups that would give the caller a level on a resource, smallest change first (what a request proposes)',
    tag,
    auth: 'member',
    queryParams: [
      { name: 'resourceType', description: 'app or dataSource' },
      { name: 'resourceId', description: 'the resource id' },
      { name: 'level', description: 'view, edit (apps); use, configure (data sources)' },
    ],
    reply: { status: 200, body: z.object({ options: z.array(Option) }) },
    handler: async ({ scope, query }) => {
      const parsed = z
        .object({ ...Resource, level: Level })
        .safeParse(Object.fromEntries(['resourceType', 'resourceId', 'level'].map((k) => [k, query.get(k)])));
      if (!parsed.success)
        throw new ApiError('invalid-input', 'resourceType, resourceId and level are required');
      const { resourceType, resourceId, level } = parsed.data;
      const r = requestOptions(
        scope.live.state(),
        scope.user.id,
        { type: resourceType, id: resourceId },
        level,
      );
      if (!r.ok) throw new ApiError(r.error.code, r.error.message);
      return { status: 200, body: { options: r.value } };
    },
  }),
  route({
    method: 'POST',
    path: R,
    summary:
      'Request access (one open request per person and resource; 409 request-exists or already-has-access, 422 no-group-grants)',
    tag,
    auth: 'member',
    body: CreateBody,
    reply: { status: 201, body: z.object({ request: RequestJson, option: Option }) },
    handler: async ({ scope, body, ctx }) => {
      const { live, user } = scope;
      const planned = planRequest(live.state(), readRequests(live.doc), user.id, body, {
        now: ctx.config.clock.now(),
        id: newId(),
      });
      if (!planned.ok) throw new ApiError(planned.error.code, planned.error.message);
      const { request, option } = planned.value;
      const resource = requestJson(live.state(), request).resource.name;
      const until = request.duration === null ? 'until revoked' : `for ${request.duration}`;
      const result = await live.submit(
        {
          kind: 'ops',
          ops: [{ type: 'request.put', request }],
          action: 'request.create',
          summary: `${user.email} asked for ${LEVEL_LABELS[request.level]} on “${resource}” via “${option.groupName}”, ${until}: ${request.reason}`,
          // Checked again in the doc's queue: two requests sent at once make one.
          check: () =>
            openRequestFor(readRequests(live.doc), user.id, request.resourceType, request.resourceId)
              ? { code: 'request-exists', message: 'You already have an open request for this' }
              : null,
        },
        scope.actor,
        'api',
      );
      ensure(result);
      return { status: 201, body: { request: requestJson(live.state(), request), option } };
    },
  }),
  route({
    method: 'GET',
    path: `${R}/mine`,
    summary: 'The caller’s own requests and their state, newest first',
    tag,
    auth: 'member',
    reply: { status: 200, body: z.object({ requests: z.array(RequestJson) }) },
    handler: async ({ scope }) => {
      const s = scope.live.state();
      const mine = requestsOf(scope.live.doc, scope.user.id);
      return { status: 200, body: { requests: mine.map((r) => requestJson(s, r)) } };
    },
  }),
  route({
    method: 'GET',
    path: R,
    summary: 'Requests, newest first (admins); ?status=open|approved|denied',
    tag,
    auth: 'admin',
    queryParams: [{ name: 'status', description: 'only requests in this state' }],
    reply: { status: 200, body: z.object({ requests: z.array(RequestJson) }) },
    handler: async ({ scope, query }) => {
      const status = query.get('status');
      const s = scope.live.state();
      const all = readRequests(scope.live.doc).filter((r) => status === null || r.status === status);
      return { status: 200, body: { requests: all.map((r) => requestJson(s, r)) } };
    },
  }),
  route({
    method: 'GET',
    path: `${R}/:id`,
    summary: 'One request with the full impact of approving it as proposed (admins)',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ request: RequestJson, impact: Impact.nullable() }) },
    handler: async ({ scope, params, ctx }) => {
      const r = findRequest(scope, params.id);
      let impact = null;
      if (r.status === 'open') {
        const a = planApproval(
          r,
          { allowRoleChange: true },
          { now: ctx.config.clock.now(), by: byName(scope) },
        );
        if (a.ok) {
          const preview = await scope.live.submit(
            { kind: 'command', command: a.value.command, dryRun: true },
            scope.actor,
            'api',
          );
          if (preview.ok) impact = preview.planned?.impact ?? null;
        }
      }
      return { status: 200, body: { request: requestJson(scope.live.state(), r), impact } };
    },
  }),
  route({
    method: 'POST',
    path: `${R}/:id/approve`,
    summary:
      'Approve: the requester joins the proposed (or another) group, until the asked (or a shorter) time; 409 role-change-needs-confirmation with the impact unless allowRoleChange; 409 request-decided (details: status, decidedBy, decidedAt) when already decided, also by a decision sent at the same time; ?dryRun=true previews',
    tag,
    auth: 'admin',
    body: ApproveBody,
    queryParams: [{ name: 'dryRun', description: 'true: return the impact and change nothing' }],
    reply: { status: 200, body: z.object({ request: RequestJson.nullable(), impact: Impact }) },
    handler: async ({ scope, params, body, query, ctx }) => {
      const r = findRequest(scope, params.id);
      const a = planApproval(r, body, { now: ctx.config.clock.now(), by: byName(scope) });
      if (!a.ok) throw apiErrorFrom(a.error);
      const dryRun = isDryRun(query);
      const command = dryRun ? { ...a.value.command, allowRoleChange: true } : a.value.command;
      const result = await scope.live.submit(
        {
          kind: 'command',
          command,
          dryRun,
          action: 'request.approve',
          alsoOps: [{ type: 'request.put', request: a.value.request }],
          check: stillOpen(scope, r.id),
        },
        scope.actor,
        'api',
      );
      ensure(result);
      const impact = result.ok ? result.planned!.impact : null;
      if (dryRun) return { status: 200, body: { request: null, impact } };
      return { status: 200, body: { request: requestJson(scope.live.state(), a.value.request), impact } };
    },
  }),
  route({
    method: 'POST',
    path: `${R}/:id/deny`,
    summary:
      'Deny with a reason the requester sees (admins); 409 request-decided (details: status, decidedBy, decidedAt) when already decided',
    tag,
    auth: 'admin',
    body: DenyBody,
    reply: { status: 200, body: z.object({ request: RequestJson }) },
    handler: async ({ scope, params, body, ctx }) => {
      const r = findRequest(scope, params.id);
      const d = planDenial(r, body.reason, { now: ctx.config.clock.now(), by: byName(scope) });
      if (!d.ok) throw apiErrorFrom(d.error);
      const s = scope.live.state();
      const j = requestJson(s, r);
      const result = await scope.live.submit(
        {
          kind: 'ops',
          ops: [{ type: 'request.put', request: d.value }],
          action: 'request.deny',
          summary: `Denied ${j.user.email}’s request for ${LEVEL_LABELS[r.level]} on “${j.resource.name}”: ${d.value.decisionReason}`,
          check: stillOpen(scope, r.id),
        },
        scope.actor,
        'api',
      );
      ensure(result);
      return { status: 200, body: { request: requestJson(scope.live.state(), d.value) } };
    },
  }),
  route({
    method: 'POST',
    path: `${R}/:id/cancel`,
    summary:
      'Withdraw one’s own open request (the requester only: anyone else’s reads as 404, admins deny instead); 409 request-decided when already decided',
    tag,
    auth: 'member',
    reply: { status: 200, body: z.object({ request: RequestJson }) },
    handler: async ({ scope, params, ctx }) => {
      const r = findRequest(scope, params.id);
      const c = planCancellation(r, {
        now: ctx.config.clock.now(),
        userId: scope.user.id,
        by: scope.actor.name || scope.actor.email || 'the requester',
      });
      if (!c.ok) throw apiErrorFrom(c.error);
      const j = requestJson(scope.live.state(), r);
      const result = await scope.live.submit(
        {
          kind: 'ops',
          ops: [{ type: 'request.put', request: c.value }],
          action: 'request.cancel',
          summary: `${j.user.email} cancelled their request for ${LEVEL_LABELS[r.level]} on “${j.resource.name}”`,
          check: stillOpen(scope, r.id),
        },
        scope.actor,
        'api',
      );
      ensure(result);
      return { status: 200, body: { request: requestJson(scope.live.state(), c.value) } };
    },
  }),
];
