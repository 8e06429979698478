/** Every REST route, in one table (also the source of /api/openapi.json). */
import { z } from 'zod';
import { openApiDocument } from '../openapi.ts';
import { type Route, route } from '../route.ts';
import { accessRoutes } from './access.ts';
import { accountRoutes } from './account.ts';
import { auditRoutes } from './audit.ts';
import { authzenRoutes } from './authzen.ts';
import { decisionTokenRoutes } from './decision-tokens.ts';
import { forwardAuthRoutes } from './forward-auth.ts';
import { groupRoutes } from './groups.ts';
import { historyRoutes } from './history.ts';
import { historyUndoRoutes } from './history-undo.ts';
import { requestRoutes } from './requests.ts';
import { resourceRoutes } from './resources.ts';
import { scimRoutes } from './scim.ts';
import { ssoRoutes } from './sso.ts';
import { ssoSignInRoutes } from './sso-sign-in.ts';
import { tokenRoutes } from './tokens.ts';
import { userAccessRoutes } from './user-access.ts';
import { userRoutes } from './users.ts';
import { webhookRoutes } from './webhooks.ts';

export function allRoutes(): Route[] {
  const routes: Route[] = [
    ...accountRoutes,
    ...groupRoutes,
    ...userRoutes,
    ...userAccessRoutes,
    ...resourceRoutes,
    ...requestRoutes,
    ...auditRoutes,
    ...historyRoutes,
    ...historyUndoRoutes,
    ...accessRoutes,
    ...tokenRoutes,
    ...ssoRoutes,
    ...ssoSignInRoutes,
    ...scimRoutes,
    ...decisionTokenRoutes,
    ...webhookRoutes,
    ...authzenRoutes(),
    ...forwardAuthRoutes(),
  ];
  let doc: unknown = null;
  routes.push(
    route({
      method: 'GET',
      path: '/api/openapi.json',
      summary: 'This document',
      tag: 'meta',
      auth: 'none',
      reply: {
        status: 200,
        body: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
      },
      handler: async () => {
        doc ??= openApiDocument(routes);
        return { status: 200, body: doc, headers: { 'cache-control': 'public, max-age=300' } };
      },
    }),
  );
  return routes;
}
