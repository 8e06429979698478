/** /api/openapi.json, generated from the route table and its zod schemas (z.toJSONSchema). */
import { z } from 'zod';
import type { Route } from './router.ts';

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

export function openApiDocument(routes: readonly Route[]): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
      description: m[1] === 'ws' ? 'workspace slug' : undefined,
    }));
    for (const q of r.queryParams ?? [])
      params.push({
        name: q.name,
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: q.description,
      });
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters: params,
      security: r.auth === 'none' ? [] : [{ bearer: [] }, { cookie: [] }],
      responses: {
        '200': { description: 'OK' },
        '400': { description: 'Invalid input', content: { 'application/json': { schema: ERROR } } },
        ...(r.auth === 'none' ? {} : { '401': { description: 'Not signed in' } }),
        ...(r.auth === 'admin' || r.auth === 'member'
          ? { '403': { description: 'Not allowed' }, '404': { description: 'Workspace or entity not found' } }
          : {}),
        ...(r.queryParams?.some((q) => q.name === 'dryRun')
          ? { '409': { description: 'role-change-needs-confirmation: details holds the impact' } }
          : {}),
      },
    };
    if (r.body)
      op.requestBody = {
        required: true,
        content: {
          'application/json': { schema: z.toJSONSchema(r.body, { io: 'input', unrepresentable: 'any' }) },
        },
      };
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse API',
      version: '0.1.0',
      description:
        'Groups, users, apps, data sources, audit and access summaries. Mutations run the same rules as the admin app; ' +
        'a change that alters roles answers 409 with the impact unless the body says "allowRoleChange": true; ' +
        '?dryRun=true returns the impact and changes nothing. Errors are {"error":{"code","message","details"?}}.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'session token from /api/login, or an API token',
        },
        cookie: { type: 'apiKey', in: 'cookie', name: 'gatehouse_session' },
      },
    },
    paths,
  };
}
