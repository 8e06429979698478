/**
 * Check access (issue 14): an admin reads any user's access as that user reads it —
 * `GET …/users/:id/access` is the very summary `GET …/access` gives them (same bytes, ETag, `?url=`), and
 * `GET …/users/:id/explain?resource=app:<id|slug|name>` (or `data_source:<id|name>`) is core's
 * explanation of their level there, in the sentences they see, with the smallest changes that would give
 * more ("Member of “HR” would give View"). People read only their own (403 otherwise, before any lookup,
 * so user ids cannot be probed); only admins get suggestions that name groups.
 */

import { z } from 'zod';
import { decisions, explain, type ResourceType, type User } from '../../../core/index.ts';
import { AccessReply, Explanation } from '../replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route, type WorkspaceScope } from '../route.ts';
import { sendView, urlParam } from './access.ts';

const U = '/api/workspaces/:ws/users/:id';
const tag = 'access';
const MAX_RESOURCE = 300;
const TYPES: Readonly<Record<string, ResourceType>> = {
  app: 'app',
  data_source: 'dataSource',
  dataSource: 'dataSource',
};

/** The user `id` names, if the caller may read their access (admins: anyone; others: themselves). */
function readableUser(scope: WorkspaceScope, id: string): User {
  const admin = scope.user.role === 'admin';
  if (!admin && id !== scope.user.id)
    throw new ApiError('forbidden', 'Only admins may read another user’s access; you may read your own');
  const user = scope.live.state().users.get(id);
  if (!user) throw new ApiError('not-found', 'User not found');
  return user;
}

/** `app:<id|slug|name>` or `data_source:<id|name>` → the live entity, or a 400/404 that says why. */
function resourceParam(scope: WorkspaceScope, query: URLSearchParams): { type: ResourceType; id: string } {
  const raw = query.get('resource') ?? '';
  const i = raw.indexOf(':');
  const type = i > 0 ? TYPES[raw.slice(0, i)] : undefined;
  const ref = raw.slice(i + 1).trim();
  if (!type || !ref || raw.length > MAX_RESOURCE)
    throw new ApiError(
      'invalid-input',
      'resource must be app:<id, slug or name> or data_source:<id or name>',
      [{ path: 'resource', message: 'e.g. resource=app:payroll' }],
    );
  const state = scope.live.state();
  const entity = type === 'app' ? decisions.resolveApp(state, ref) : decisions.resolveDataSource(state, ref);
  if (!entity)
    throw new ApiError(
      'not-found',
      `No ${type === 'app' ? 'app' : 'data source'} “${ref}” in this workspace`,
    );
  return { type, id: entity.id };
}

export const userAccessRoutes: Route[] = [
  route({
    method: 'GET',
    path: `${U}/access`,
    summary:
      'Check access: the user’s access summary exactly as GET /access gives it to them (admins: any user; others: their own), with ?url= and ETag/304',
    tag,
    auth: 'member',
    queryParams: [{ name: 'url', description: 'a page URL: adds the app whose URL patterns match it' }],
    reply: { status: 200, body: AccessReply, etag: true },
    handler: async ({ ctx, scope, params, query, req, res }) => {
      const user = readableUser(scope, params.id);
      const view = ctx.accessViews.view(scope.live.state(), user.id, urlParam(query));
      if (!view) throw new ApiError('not-found', 'User not found');
      return sendView(view, req, res);
    },
  }),
  route({
    method: 'GET',
    path: `${U}/explain`,
    summary:
      'Check access: why the user has (or lacks) access to one app or data source, in the sentences they see, and the smallest changes that would give more (admins also get groups to join)',
    tag,
    auth: 'member',
    queryParams: [
      { name: 'resource', description: 'app:<id, slug or name> or data_source:<id or name> (required)' },
    ],
    reply: { status: 200, body: z.object({ explanation: Explanation }) },
    handler: async ({ scope, params, query }) => {
      const user = readableUser(scope, params.id);
      const resource = resourceParam(scope, query);
      const groupSuggestions = scope.user.role === 'admin';
      const explanation = explain(scope.live.state(), user.id, resource, { groupSuggestions });
      if (!explanation) throw new ApiError('not-found', 'User or resource not found');
      return { status: 200, body: { explanation } };
    },
  }),
];
