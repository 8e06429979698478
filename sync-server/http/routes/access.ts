/**
 * For any active member: `/access` (their own summary over the catalog), `/access/catalog` (the
 * workspace's apps and data sources, shared by every member), both with ETag/304 and gzip, and
 * `/access/events` (SSE: `catalog` when the catalog changes, `access` when their summary does, `requests`
 * with their access requests when one of them is made, decided or cancelled).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialsStillValid, watchCredentials } from '../../auth/connections.ts';
import { userByEmail } from '../../auth/member-of.ts';
import { requestsOf } from '../../sync/requests-by-user.ts';
import { type AccessView, acceptsGzip, catalogId, etagMatches } from '../access-view.ts';
import { AccessCatalogReply, AccessReply } from '../replies.ts';
import { requestJson } from '../request-json.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';

const W = '/api/workspaces/:ws';
const HEARTBEAT_MS = 25_000;
const DEBOUNCE_MS = 50;
const MAX_URL = 4096;

export function urlParam(query: URLSearchParams): string | null {
  const url = query.get('url');
  if (url === null) return null;
  if (url.length > MAX_URL) throw new ApiError('invalid-input', 'The url parameter is too long');
  return url;
}

/** 304 when If-None-Match names the view (before any other work), else the bytes, gzipped when accepted. */
export function sendView(view: AccessView, req: IncomingMessage, res: ServerResponse): undefined {
  const headers = {
    etag: view.etag,
    'cache-control': 'private, no-cache',
    'x-content-type-options': 'nosniff',
    vary: 'Authorization, Cookie, Accept-Encoding',
  };
  if (etagMatches(req.headers['if-none-match'], view.etag)) {
    res.writeHead(304, headers);
    res.end();
    return undefined;
  }
  // Browsers and the extension accept gzip: compressed once per view and kept with it.
  const body = acceptsGzip(req.headers['accept-encoding']) ? view.gzipped() : view.body;
  res.writeHead(200, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    ...(body === view.body ? {} : { 'content-encoding': 'gzip' }),
  });
  res.end(body);
  return undefined;
}

export const accessRoutes: Route[] = [
  route({
    method: 'GET',
    path: `${W}/access`,
    summary:
      'The caller’s access summary (format 2): what they can reach, as indexes into /access/catalog; with ?url= also the matching app and why (ETag/304)',
    tag: 'access',
    auth: 'member',
    queryParams: [{ name: 'url', description: 'a page URL: adds the app whose URL patterns match it' }],
    reply: { status: 200, body: AccessReply, etag: true },
    handler: async ({ ctx, scope, query, req, res }) => {
      const view = ctx.accessViews.view(scope.live.state(), scope.user.id, urlParam(query));
      if (!view) throw new ApiError('not-found', 'Workspace not found');
      return sendView(view, req, res);
    },
  }),
  route({
    method: 'GET',
    path: `${W}/access/catalog`,
    summary:
      'The workspace’s apps and data sources that /access refers to by index; one per catalog version (ETag/304)',
    tag: 'access',
    auth: 'member',
    reply: { status: 200, body: AccessCatalogReply, etag: true },
    handler: async ({ ctx, scope, req, res }) =>
      sendView(ctx.accessViews.catalog(scope.live.state()), req, res),
  }),
  route({
    method: 'GET',
    path: `${W}/access/events`,
    summary:
      'Server-sent events: `catalog` ({"catalog": id}) now and whenever the catalog changes; `access` with the summary (as /access) now and whenever it changes; `requests` ({"requests": [...]} as …/requests/mine) now when there are some and whenever one is made, decided or cancelled; `revoked` when access ends',
    tag: 'access',
    auth: 'member',
    queryParams: [{ name: 'url', description: 'as for /access' }],
    reply: { status: 200, other: 'text/event-stream' },
    handler: async ({ ctx, scope, query, req, res, principal }) => {
      const url = urlParam(query);
      const accountId = principal.account.id;
      if (!ctx.eventStreams.take(accountId, ctx.config.maxEventStreamsPerAccount))
        throw new ApiError(
          'too-many-streams',
          `At most ${ctx.config.maxEventStreamsPerAccount} event streams per account are open at once; close one first`,
          undefined,
          { 'retry-after': '30' },
        );
      const live = await ctx.registry.acquire(scope.workspace).catch((err: unknown) => {
        ctx.eventStreams.release(accountId);
        throw err;
      });
      if (req.socket.destroyed) {
        // Gone while the doc loaded: no close event will come to release it.
        ctx.eventStreams.release(accountId);
        ctx.registry.release(live);
        return undefined;
      }
      const email = principal.account.email;
      let lastEtag = '';
      let lastCatalog = '';
      let lastRequests = JSON.stringify({ requests: [] }); // none: no event at the opening
      let timer: NodeJS.Timeout | null = null;
      let closed = false;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n\n');
      const close = () => {
        if (closed) return;
        closed = true;
        if (timer) clearTimeout(timer);
        clearInterval(heartbeat);
        unsubscribe();
        offShutdown();
        unregister();
        stopWatching();
        ctx.eventStreams.release(accountId);
        ctx.registry.release(live);
        res.end();
      };
      const push = async () => {
        timer = null;
        if (closed) return;
        const valid = await credentialsStillValid(ctx.storage, principal);
        const state = live.state();
        const user = userByEmail(state, email);
        if (!valid || !user || user.status !== 'active') {
          res.write(
            `event: revoked\ndata: ${JSON.stringify({ reason: valid ? 'no-access' : 'signed-out' })}\n\n`,
          );
          close();
          return;
        }
        // The catalog first: the summary that follows names it.
        const catalog = catalogId(ctx.accessViews.catalog(state));
        if (catalog !== lastCatalog) {
          lastCatalog = catalog;
          res.write(`event: catalog\ndata: ${JSON.stringify({ catalog })}\n\n`);
        }
        const view = ctx.accessViews.view(state, user.id, url);
        if (view && view.etag !== lastEtag) {
          lastEtag = view.etag;
          res.write(`event: access\nid: ${view.etag.replaceAll('"', '')}\ndata: ${view.json}\n\n`);
        }
        // After the access it grants: a panel that hears "approved" already holds the new summary.
        // Compared as sent: a renamed app or group changes the request's words, so it is sent again too.
        const mine = requestsOf(live.doc, user.id);
        const requests = JSON.stringify({ requests: mine.map((r) => requestJson(state, r)) });
        if (requests !== lastRequests) {
          lastRequests = requests;
          res.write(`event: requests\ndata: ${requests}\n\n`);
        }
      };
      const unsubscribe = live.onCommit(() => {
        if (!timer && !closed) timer = setTimeout(() => void push(), DEBOUNCE_MS);
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      res.on('close', close);
      res.on('error', close);
      const offShutdown = ctx.onShutdown(close);
      const revoke = (reason: 'signed-out' | 'no-access') => {
        if (closed) return;
        res.write(`event: revoked\ndata: ${JSON.stringify({ reason })}\n\n`);
        close();
      };
      // Logout, token revocation and revoked sessions end the stream at once; expiry within a recheck.
      const unregister = ctx.connections.register({
        accountId: principal.account.id,
        tokenHash: principal.tokenHash,
        tokenId: principal.tokenId,
        workspaceId: scope.workspace.id,
        // 'demoted' is for sync sockets; the revocation of the sessions and tokens right after ends this.
        close: (reason) => {
          if (reason !== 'demoted') revoke(reason);
        },
      });
      const stopWatching = watchCredentials(ctx.storage, principal, ctx.config.credentialRecheckMs, () =>
        revoke('signed-out'),
      );
      await push();
      return undefined;
    },
  }),
];
