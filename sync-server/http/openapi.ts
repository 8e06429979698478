/**
 * /api/openapi.json, generated from the route table and its zod schemas (z.toJSONSchema): request
 * bodies, the success reply of every route (replies.ts) and the one error shape for every other status.
 */
import { z } from 'zod';
import { AUTHZEN_EXAMPLES } from './openapi-authzen.ts';
import { DryRunReply, ErrorReply } from './replies.ts';
import type { Route } from './route.ts';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

const json = (schema: z.ZodType) => ({ 'application/json': { schema: jsonSchema(schema, 'output') } });
const ERROR = json(ErrorReply);
const error = (description: string) => ({ description, content: ERROR });

/** The success reply, and for a route with `?dryRun` the dry run's 200 (alone or besides the reply). */
function successResponses(r: Route): Record<string, unknown> {
  const { status, body, other } = r.reply;
  const content: Record<string, unknown> = {};
  const dryRun = r.queryParams?.some((q) => q.name === 'dryRun') ?? false;
  if (body) Object.assign(content, json(status === 200 && dryRun ? z.union([body, DryRunReply]) : body));
  if (other) content[other] = {};
  const out: Record<string, unknown> = {
    [status]: {
      description: status === 204 ? 'Done (no body)' : 'OK',
      ...(Object.keys(content).length > 0 ? { content } : {}),
    },
  };
  if (r.reply.etag)
    out['304'] = { description: 'Not modified: If-None-Match names the current ETag (no body)' };
  if (dryRun && status !== 200)
    out['200'] = { description: 'dryRun=true: the impact, nothing changed', content: json(DryRunReply) };
  return out;
}

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
        ...successResponses(r),
        '400': error('Invalid input'),
        ...(r.auth === 'none' ? {} : { '401': error('Not signed in') }),
        ...(r.auth === 'admin' || r.auth === 'member'
          ? { '403': error('Not allowed'), '404': error('Workspace or entity not found') }
          : {}),
        ...(r.decisionTokens ? { '429': error('A decision token past its rate limit (Retry-After)') } : {}),
        ...(r.queryParams?.some((q) => q.name === 'dryRun')
          ? { '409': error('role-change-needs-confirmation (details holds the impact), or a name taken') }
          : {}),
        default: error('Any other error: {"error":{"code","message","details"?}}'),
      },
    };
    if (r.body)
      op.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: jsonSchema(r.body, 'input'),
            ...(AUTHZEN_EXAMPLES[path] ? { example: AUTHZEN_EXAMPLES[path] } : {}),
          },
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
          description:
            'session token from /api/login, or an API token; on the AuthZEN endpoints also a decision token (`ghd_…`, nothing else accepts one)',
        },
        cookie: { type: 'apiKey', in: 'cookie', name: 'gatehouse_session' },
      },
    },
    paths,
  };
}
