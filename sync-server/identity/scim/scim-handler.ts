/**
 * The SCIM 2.0 service of each workspace at `/api/workspaces/:ws/scim/v2` (RFC 7644): one dispatch table,
 * its own auth (scim-auth.ts), answers and errors in `application/scim+json`. Every request a connection
 * makes is logged with its outcome for the Provisioning page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestOrigin } from '../../auth/credentials.ts';
import type { ServerContext } from '../../context.ts';
import { ApiError, readJsonBody } from '../../http/respond.ts';
import { safePath } from '../../log.ts';
import { isStorageUnavailable } from '../../storage/errors.ts';
import type { ScimConnection } from '../../storage/scim-store.ts';
import { authenticateScim, createScimLimits } from './scim-auth.ts';
import { type ScimContext, scimActor } from './scim-context.ts';
import { errorBody, ScimError, sendScim } from './scim-error.ts';
import { notModified } from './scim-etag.ts';
import { createGroup, deleteGroup, listGroups, patchGroup, readGroup, replaceGroup } from './scim-groups.ts';
import { listResponse } from './scim-list.ts';
import { MAX_SCIM_BODY_BYTES, resourceTypes, SCHEMAS, serviceProviderConfig } from './scim-schemas.ts';
import { userResource } from './scim-user.ts';
import {
  createUserResource,
  deleteUserResource,
  findUser,
  listUsers,
  patchUserResource,
  replaceUserResource,
} from './scim-users.ts';

const PREFIX = /^\/api\/workspaces\/([^/]{1,200})\/scim\/v2(\/.*)?$/;

/** The path of a workspace's SCIM base (what an admin pastes into the IdP). */
export const scimBasePath = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}/scim/v2`;

interface Call {
  readonly sc: ScimContext;
  readonly id: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly ifMatch: string | undefined;
}
type Result = { status: number; body?: Record<string, unknown> | undefined; outcome: string };
type Handler = (c: Call) => Promise<Result>;

const one = (status: number, body: Record<string, unknown>, outcome: string): Result => ({
  status,
  body,
  outcome,
});
const display = (r: Record<string, unknown>) => String(r.userName ?? r.displayName ?? r.id);

/** [method, resource, has id] → handler. */
const TABLE: Readonly<Record<string, Handler>> = {
  'GET Users': async ({ sc, query }) => {
    const list = await listUsers(sc, query);
    return one(200, list, `listed ${list.itemsPerPage} of ${list.totalResults} users`);
  },
  'GET Users/:id': async ({ sc, id }) => {
    const r = userResource(await findUser(sc, id), sc.base);
    return one(200, r, `read ${display(r)}`);
  },
  'POST Users': async ({ sc, body }) => {
    const r = await createUserResource(sc, body);
    return one(201, r, `created ${display(r)}`);
  },
  'PUT Users/:id': async ({ sc, id, body, ifMatch }) => {
    const r = await replaceUserResource(sc, id, body, ifMatch);
    return one(200, r, `replaced ${display(r)}`);
  },
  'PATCH Users/:id': async ({ sc, id, body, ifMatch }) => {
    const r = await patchUserResource(sc, id, body, ifMatch);
    return one(200, r, `patched ${display(r)}`);
  },
  'DELETE Users/:id': async ({ sc, id, ifMatch }) => {
    await deleteUserResource(sc, id, ifMatch);
    return { status: 204, outcome: `archived user ${id}` };
  },
  'GET Groups': async ({ sc, query }) => {
    const list = await listGroups(sc, query);
    return one(200, list, `listed ${list.itemsPerPage} of ${list.totalResults} groups`);
  },
  'GET Groups/:id': async ({ sc, id, query }) => {
    const r = await readGroup(sc, id, query);
    return one(200, r, `read group ${display(r)}`);
  },
  'POST Groups': async ({ sc, body }) => {
    const r = await createGroup(sc, body);
    return one(201, r, `created group ${display(r)}`);
  },
  'PUT Groups/:id': async ({ sc, id, body, ifMatch }) => {
    const r = await replaceGroup(sc, id, body, ifMatch);
    return one(200, r, `replaced group ${display(r)}`);
  },
  'PATCH Groups/:id': async ({ sc, id, body, ifMatch }) => {
    const r = await patchGroup(sc, id, body, ifMatch);
    return r ? one(200, r, `patched group ${display(r)}`) : { status: 204, outcome: 'nothing to change' };
  },
  'DELETE Groups/:id': async ({ sc, id, ifMatch }) => {
    await deleteGroup(sc, id, ifMatch);
    return { status: 204, outcome: `deleted group ${id}` };
  },
  'GET ServiceProviderConfig': async ({ sc }) =>
    one(200, serviceProviderConfig(sc.base), 'read the configuration'),
  'GET ResourceTypes': async ({ sc }) => {
    const types = resourceTypes(sc.base);
    return one(
      200,
      listResponse(types, types.length, { startIndex: 1, count: types.length }),
      'read resource types',
    );
  },
  'GET ResourceTypes/:id': async ({ sc, id }) => {
    const t = resourceTypes(sc.base).find((x) => x.id === id);
    if (!t) throw new ScimError(404, 'ResourceType not found');
    return one(200, t, `read resource type ${id}`);
  },
  'GET Schemas': async () =>
    one(200, listResponse(SCHEMAS, SCHEMAS.length, { startIndex: 1, count: SCHEMAS.length }), 'read schemas'),
  'GET Schemas/:id': async ({ id }) => {
    const s = SCHEMAS.find((x) => x.id === id);
    if (!s) throw new ScimError(404, 'Schema not found');
    return one(200, s, `read schema ${id}`);
  },
};

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Reads the body (size first: 413 before parsing), as SCIM errors. */
async function body(req: IncomingMessage): Promise<unknown> {
  try {
    return await readJsonBody(req, MAX_SCIM_BODY_BYTES);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.code === 'payload-too-large') throw new ScimError(413, err.message);
    if (err.code === 'unsupported-media-type')
      throw new ScimError(415, 'Send application/scim+json (or application/json)');
    throw new ScimError(400, err.message, 'invalidSyntax');
  }
}

function route(method: string, rest: string): { handler: Handler; id: string } | null {
  const parts = rest.split('/').filter(Boolean);
  if (parts.length === 0 || parts.length > 2) return null;
  let id = '';
  try {
    id = parts[1] === undefined ? '' : decodeURIComponent(parts[1]);
  } catch {
    return null;
  }
  const handler = TABLE[`${method} ${parts[0]}${parts.length === 2 ? '/:id' : ''}`];
  return handler ? { handler, id } : null;
}

export function createScimHandler() {
  const limits = createScimLimits();

  /** False when the path is not a SCIM path (the caller goes on to the REST router). */
  async function handle(
    ctx: ServerContext,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<boolean> {
    const m = PREFIX.exec(url.pathname);
    if (!m) return false;
    const method = req.method ?? 'GET';
    const rest = m[2] ?? '/';
    let connection: ScimConnection | null = null;
    let release = () => {};
    let result: Result;
    try {
      const slug = decodeURIComponent(m[1]!).toLowerCase();
      const workspace = await ctx.storage.workspaceBySlug(slug);
      const auth = await authenticateScim(ctx, limits, req, slug, workspace);
      connection = auth.connection;
      const found = route(method, rest);
      if (!found) throw new ScimError(404, `No SCIM endpoint ${method} ${safePath(rest)}`);
      let parsed: unknown;
      if (WITH_BODY.has(method)) parsed = await body(req);
      else req.resume();
      const live = await ctx.registry.acquire(workspace!);
      release = () => ctx.registry.release(live);
      const sc: ScimContext = {
        ctx,
        workspace: workspace!,
        live,
        connection,
        actor: scimActor(connection),
        base: `${requestOrigin(req, ctx.config.publicUrl)}${scimBasePath(workspace!.slug)}`,
      };
      const ifMatch = typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined;
      result = await found.handler({ sc, id: found.id, query: url.searchParams, body: parsed, ifMatch });
    } catch (err) {
      result = failure(ctx, err, url);
    } finally {
      release();
    }
    reply(req, res, result);
    if (connection) log(ctx, connection, method, rest, result);
    return true;
  }

  return { handle };
}

function failure(ctx: ServerContext, err: unknown, url: URL): Result & { error: ScimError } {
  let e: ScimError;
  if (err instanceof ScimError) e = err;
  else if (isStorageUnavailable(err))
    e = new ScimError(503, 'The database is unreachable; try again shortly', undefined, {
      'retry-after': '5',
    });
  else {
    ctx.log.error({ err, path: safePath(url.pathname) }, 'SCIM request failed');
    e = new ScimError(500, 'Something went wrong on the server');
  }
  return { status: e.status, body: errorBody(e), outcome: e.detail, error: e };
}

function reply(req: IncomingMessage, res: ServerResponse, r: Result): void {
  const headers: Record<string, string> = { ...((r as { error?: ScimError }).error?.headers ?? {}) };
  const body = r.body;
  const version =
    body && r.status < 300 ? (body.meta as { version?: string } | undefined)?.version : undefined;
  if (version) {
    headers.etag = version;
    const location = (body!.meta as { location?: string }).location;
    if (r.status === 201 && location) headers.location = location;
    if (req.method === 'GET' && notModified(req.headers['if-none-match'] as string | undefined, version)) {
      sendScim(res, 304, undefined, headers);
      return;
    }
  }
  sendScim(res, r.status, r.status === 204 ? undefined : body, headers);
}

function log(ctx: ServerContext, c: ScimConnection, method: string, path: string, r: Result): void {
  const entry = {
    connectionId: c.id,
    at: Date.now(),
    method,
    path: safePath(path).slice(0, 200),
    status: r.status,
    outcome: r.outcome.slice(0, 300),
  };
  void ctx.storage
    .addScimRequest(entry)
    .catch((err) => ctx.log.warn({ err }, 'SCIM request log not written'));
}
