/**
 * AuthZEN Authorization API 1.0 per workspace (issue 14), under `/api/workspaces/:ws/authzen`:
 * `access/v1/evaluation`, `access/v1/evaluations` (boxcar), `access/v1/search/{subject,resource,action}`
 * (paged with `page.next_token`) and the discovery metadata at
 * `/api/workspaces/:ws/authzen/.well-known/authzen-configuration` and at the well-known URI inserted
 * before the path (RFC 8414's form for an issuer under a path):
 * `/.well-known/authzen-configuration/api/workspaces/:ws/authzen`. Every decision is core's
 * (core/decisions over the access the panel shows). Admins ask about anyone; any other member only about
 * themselves (a single evaluation about someone else is a 403; a boxcar item is `decision: false` with
 * `context.error`); subject search (an access review) is for admins. A decision token of the workspace
 * (auth/decision-tokens.ts) may call every endpoint here: it has no rights of its own and asks about
 * the subject of the request, as an admin would.
 */
import type { IncomingMessage } from 'node:http';
import { decisions, type User } from '../../../core/index.ts';
import { decisionState } from '../../history/decision-time.ts';
import { ApiError } from '../respond.ts';
import { type DecisionScope, type Route, route } from '../route.ts';
import { pageTokens } from './authzen-page-token.ts';
import {
  ActionSearchReply,
  DEFAULT_PAGE_LIMIT,
  DecisionReply,
  DiscoveryReply,
  EntitySearchReply,
  EvaluationBody,
  EvaluationsBody,
  EvaluationsReply,
  SearchActionBody,
  SearchResourceBody,
  SearchSubjectBody,
} from './authzen-schemas.ts';

/** The per-workspace base of the AuthZEN API (the PDP's base URL). */
export const AUTHZEN_BASE = '/api/workspaces/:ws/authzen';
const A = `${AUTHZEN_BASE}/access/v1`;
const tag = 'authzen';

/** Members ask only about themselves; admins and decision tokens about anyone. */
function allowSubject({ asker }: DecisionScope): ((user: User) => boolean) | undefined {
  if (asker.kind === 'decision-token' || asker.user.role === 'admin') return undefined;
  const self = asker.user.id;
  return (u) => u.id === self;
}

/** What the caller may ask and read: only admins and decision tokens get suggestions naming groups. */
const askerOptions = (scope: DecisionScope) => ({
  allowSubject: allowSubject(scope),
  groupSuggestions: scope.asker.kind === 'decision-token' || scope.asker.user.role === 'admin',
});

function baseUrl(publicUrl: string | null, req: IncomingMessage): string {
  if (publicUrl) return publicUrl;
  const host = String(req.headers.host ?? 'localhost');
  return `http://${host}`;
}

interface Paged {
  readonly page?: { readonly token?: string | undefined; readonly limit?: number | undefined } | undefined;
}

/** The AuthZEN routes; page tokens are signed with a key of this route table (one per server). */
export function authzenRoutes(): Route[] {
  const tokens = pageTokens();
  /** The query a token belongs to: the request without its page, and the endpoint. */
  const queryOf = (endpoint: string, ws: string, body: Paged & Record<string, unknown>) => {
    const { page: _page, ...rest } = body;
    return { endpoint, ws, rest };
  };
  function paged<T>(
    endpoint: string,
    ws: string,
    body: Paged & Record<string, unknown>,
    search: (p: decisions.PageRequest) => decisions.SearchAnswer<T>,
  ) {
    const query = queryOf(endpoint, ws, body);
    const after = tokens.read(query, body.page?.token);
    const answer = search({ after, limit: body.page?.limit ?? DEFAULT_PAGE_LIMIT });
    return {
      status: 200 as const,
      body: {
        page: { next_token: answer.next === null ? '' : tokens.issue(query, answer.next) },
        results: answer.results,
        ...(answer.context ? { context: answer.context } : {}),
      },
    };
  }

  return [
    route({
      method: 'POST',
      path: `${A}/evaluation`,
      summary:
        'AuthZEN access evaluation: may this subject do this action on this resource? `context` says why (grant path, or core’s explanation and suggestions)',
      tag,
      auth: 'member',
      decisionTokens: true,
      body: EvaluationBody,
      reply: { status: 200, body: DecisionReply },
      handler: async ({ ctx, scope, body }) => {
        // A past context.time is decided on the workspace as it was then (issue 15).
        const state = await decisionState(ctx, scope.workspace.id, () => scope.live.state(), body.context);
        const d = decisions.decide(state, body, askerOptions(scope));
        if (d.context.error?.status === 403) throw new ApiError('forbidden', d.context.error.message);
        return { status: 200, body: d };
      },
    }),
    route({
      method: 'POST',
      path: `${A}/evaluations`,
      summary:
        'AuthZEN access evaluations (boxcar): top-level subject/action/resource/context are defaults of each item; options.evaluations_semantic execute_all | deny_on_first_deny | permit_on_first_permit; a failing item is decision false with context.error; without items, a single evaluation',
      tag,
      auth: 'member',
      decisionTokens: true,
      body: EvaluationsBody,
      reply: { status: 200, body: EvaluationsReply },
      handler: async ({ ctx, scope, body }) => {
        // The top-level context.time (a default of every item), when past: the workspace as it was then.
        const state = await decisionState(ctx, scope.workspace.id, () => scope.live.state(), body.context);
        // Items explain a no with core's reasons and role suggestions, never group suggestions: those
        // cost an access computation per group (ms on a 1,000-group workspace), too much per item.
        const options = { ...askerOptions(scope), groupSuggestions: false };
        if (!body.evaluations || body.evaluations.length === 0)
          return { status: 200, body: decisions.decide(state, body, options) };
        return { status: 200, body: { evaluations: decisions.evaluateAll(state, body, options) } };
      },
    }),
    route({
      method: 'POST',
      path: `${A}/search/subject`,
      summary:
        'AuthZEN subject search (admins and decision tokens: an access review): the active users who may do the action on the resource, paged by page.next_token',
      tag,
      auth: 'admin',
      decisionTokens: true,
      body: SearchSubjectBody,
      reply: { status: 200, body: EntitySearchReply },
      handler: async ({ scope, body, params }) =>
        paged('subject', params.ws, body, (p) => decisions.searchSubjects(scope.live.state(), body, p)),
    }),
    route({
      method: 'POST',
      path: `${A}/search/resource`,
      summary:
        'AuthZEN resource search: the apps, data sources (or the workspace) of resource.type the subject may do the action on, paged by page.next_token',
      tag,
      auth: 'member',
      decisionTokens: true,
      body: SearchResourceBody,
      reply: { status: 200, body: EntitySearchReply },
      handler: async ({ scope, body, params }) =>
        paged('resource', params.ws, body, (p) =>
          decisions.searchResources(scope.live.state(), body, p, askerOptions(scope)),
        ),
    }),
    route({
      method: 'POST',
      path: `${A}/search/action`,
      summary: 'AuthZEN action search: what the subject may do on the resource, paged by page.next_token',
      tag,
      auth: 'member',
      decisionTokens: true,
      body: SearchActionBody,
      reply: { status: 200, body: ActionSearchReply },
      handler: async ({ scope, body, params }) =>
        paged('action', params.ws, body, (p) =>
          decisions.searchActions(scope.live.state(), body, p, askerOptions(scope)),
        ),
    }),
    route({
      method: 'GET',
      path: `${AUTHZEN_BASE}/.well-known/authzen-configuration`,
      summary:
        'AuthZEN discovery metadata of this workspace’s decision point: the endpoints’ URLs (public; the same answer for any slug)',
      tag,
      auth: 'none',
      reply: { status: 200, body: DiscoveryReply },
      handler: async ({ ctx, req, params }) => discoveryReply(ctx.config.publicUrl, req, params.ws),
    }),
    route({
      method: 'GET',
      path: `/.well-known/authzen-configuration${AUTHZEN_BASE}`,
      summary:
        'AuthZEN discovery metadata at the well-known URI inserted before the decision point’s path (RFC 8414’s form for an issuer under a path): the same answer',
      tag,
      auth: 'none',
      reply: { status: 200, body: DiscoveryReply },
      handler: async ({ ctx, req, params }) => discoveryReply(ctx.config.publicUrl, req, params.ws),
    }),
  ];
}

function discoveryReply(publicUrl: string | null, req: IncomingMessage, ws: string) {
  const pdp = `${baseUrl(publicUrl, req)}/api/workspaces/${encodeURIComponent(ws.toLowerCase())}/authzen`;
  // Shared caches may keep it only when its URLs come from PUBLIC_URL: built from the Host header, a forged
  // Host would be cached for everyone behind the same cache.
  const cache = publicUrl ? 'public, max-age=300' : 'no-store';
  return { status: 200 as const, headers: { 'cache-control': cache }, body: discovery(pdp) };
}

/** The metadata of the decision point at `pdp` (its base URL). */
function discovery(pdp: string) {
  return {
    policy_decision_point: pdp,
    access_evaluation_endpoint: `${pdp}/access/v1/evaluation`,
    access_evaluations_endpoint: `${pdp}/access/v1/evaluations`,
    search_subject_endpoint: `${pdp}/access/v1/search/subject`,
    search_resource_endpoint: `${pdp}/access/v1/search/resource`,
    search_action_endpoint: `${pdp}/access/v1/search/action`,
  };
}
