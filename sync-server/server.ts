/**
 * Wires the server: one HTTP listener for the REST API, the sync endpoint (`/sync/:ws`), the admin app
 * and `/healthz`. No side effects until `listen`; tests create as many servers as they like.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createClientIp } from './auth/client-ip.ts';
import { ConnectionRegistry } from './auth/connections.ts';
import { isLoopbackHost } from './auth/credentials.ts';
import { createDecisionTokens } from './auth/decision-tokens.ts';
import { createPasswordAttemptLimits } from './auth/password-attempts.ts';
import { newToken } from './auth/tokens.ts';
import { startClusterMode } from './cluster/cluster-mode.ts';
import { withCrashBeforeCommit } from './cluster/crash-points.ts';
import { DEFAULT_CONFIG, type ServerConfig } from './config.ts';
import type { ServerContext } from './context.ts';
import { closeCodeFor } from './errors.ts';
import { indexInBackground } from './history/history-index.ts';
import { DEFAULT_HISTORY_RUNNER, HistoryRunner } from './history/history-runner.ts';
import { AccessViewCache } from './http/access-view.ts';
import { answerClientErrors } from './http/client-error.ts';
import { checkForwardAuthConfig } from './http/forward-auth-request.ts';
import { ApiError, sendError, sendJson } from './http/respond.ts';
import { createRouter } from './http/router.ts';
import { allRoutes } from './http/routes/index.ts';
import { createStaticHandler, serveDemoApp } from './http/static.ts';
import { StreamCounts } from './http/stream-counts.ts';
import { createScimHandler } from './identity/scim/scim-handler.ts';
import { createLogger, type Logger, safePath } from './log.ts';
import { openStorage } from './storage/open-storage.ts';
import type { Storage } from './storage/storage.ts';
import { createAfterCommit } from './sync/after-commit.ts';
import { DocRegistry } from './sync/doc-registry.ts';
import { handleSyncConnection } from './sync/sync-connection.ts';
import { WebhookSender } from './webhooks/webhook-sender.ts';

export interface GatehouseServer {
  readonly ctx: ServerContext;
  readonly http: http.Server;
  /** Resolves with the bound port (use port 0 in tests). */
  listen(): Promise<{ port: number; url: string }>;
  /** Stops accepting, closes sockets, finishes pending writes, closes storage. */
  close(): Promise<void>;
}

const SYNC_PATH = /^\/sync\/([^/?#]{1,100})$/;
const SESSION_SWEEP_MS = 3_600_000; // hourly
const WEBHOOK_POLL_MS = 5_000;

export async function createGatehouseServer(
  partial: Partial<ServerConfig> = {},
  deps: { storage?: Storage; log?: Logger } = {},
): Promise<GatehouseServer> {
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...partial };
  checkForwardAuthConfig(config);
  const log = deps.log ?? createLogger(config.logLevel);
  const storage =
    deps.storage ?? (await openStorage({ ...config, postgres: { poolSize: config.databasePoolSize } }));
  const shutdownHooks = new Set<() => void>();
  // Cluster mode (sync-server/cluster/): fan-out over Redis, revocation and presence across instances.
  let docCount = () => 0;
  const cluster = config.redisUrl
    ? startClusterMode({
        redisUrl: config.redisUrl,
        headPollMs: config.clusterHeadPollMs,
        storage,
        log,
        docs: () => docCount(),
      })
    : null;
  const ctx: ServerContext = {
    config,
    storage,
    log,
    registry: null as unknown as DocRegistry,
    connections: cluster?.connections ?? new ConnectionRegistry(),
    accessViews: new AccessViewCache(),
    eventStreams: new StreamCounts(),
    passwordAttempts: (cluster?.passwordAttempts ?? createPasswordAttemptLimits)(
      config.loginAttemptsPerIpPerMinute,
      config.loginAttemptsPerMinute,
    ),
    decisionTokens: createDecisionTokens(storage, config.decisionTokenRequestsPerMinute, log),
    clientIp: createClientIp(config.trustedProxies),
    webhooks: new WebhookSender({
      storage,
      clock: config.clock,
      log,
      policy: { allowPrivate: config.webhookAllowPrivate, allowedHosts: config.webhookAllowedHosts },
      timeoutMs: config.webhookTimeoutMs,
      maxInFlight: config.webhookMaxInFlight,
      // Several instances: each also looks for deliveries the others queued or left (leases ended).
      pollMs: config.databaseUrl ? WEBHOOK_POLL_MS : null,
    }),
    history: new HistoryRunner({
      ...DEFAULT_HISTORY_RUNNER,
      maxInFlight: config.historyReportsInFlight,
      waitMs: config.historyReportWaitMs,
    }),
    setupToken: (await storage.countAccounts()) === 0 ? newToken() : null,
    closing: false,
    onShutdown(fn) {
      shutdownHooks.add(fn);
      return () => shutdownHooks.delete(fn);
    },
  };
  (ctx as { registry: DocRegistry }).registry = new DocRegistry(
    {
      storage: cluster ? withCrashBeforeCommit(storage) : storage,
      log,
      maxDocBytes: config.maxDocBytes,
      compactAfterUpdates: config.compactAfterUpdates,
      clock: config.clock,
      afterCommit: createAfterCommit(ctx),
      afterCompact: (workspaceId) => indexInBackground(ctx, workspaceId, log),
      ...(cluster ? { cluster: cluster.node.feedFor } : {}),
    },
    config.docGraceMs,
  );
  docCount = () => ctx.registry.size;

  const router = createRouter(allRoutes());
  const scim = createScimHandler();
  const serveStatic = createStaticHandler(config.webDir);

  const server = http.createServer((req, res) => {
    if (ctx.closing) {
      res.setHeader('connection', 'close');
      return sendError(res, new ApiError('shutting-down', 'The server is restarting'));
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendError(res, new ApiError('bad-path', 'The path is not valid'));
    }
    if (cluster?.handle(url.pathname, res)) return;
    if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
    const started = Date.now();
    res.on('finish', () => {
      if (url.pathname.startsWith('/api/'))
        log.debug(
          { method: req.method, path: safePath(req.url), status: res.statusCode, ms: Date.now() - started },
          'request',
        );
    });
    scim
      .handle(ctx, req, res, url)
      .then((handled) => handled || router.handle(ctx, req, res, url))
      .then((handled) => {
        if (handled) return;
        if (url.pathname.startsWith('/demo-apps/')) return serveDemoApp(res, url.pathname);
        serveStatic(req, res, url.pathname);
      })
      .catch((err) => {
        log.error({ err }, 'unhandled request error');
        if (!res.headersSent) sendError(res, new ApiError('internal', 'Something went wrong on the server'));
        else res.destroy();
      });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  answerClientErrors(server);

  const COMPRESS_THRESHOLD_BYTES = 64 * 1024;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxFrameBytes, // ws checks the inflated size too: no zip bombs
    // permessage-deflate for big messages only (first syncs): small updates stay uncompressed and cheap.
    perMessageDeflate: config.compressLargeMessages
      ? {
          threshold: COMPRESS_THRESHOLD_BYTES,
          zlibDeflateOptions: { level: 1 },
          serverNoContextTakeover: true,
          clientNoContextTakeover: true,
          concurrencyLimit: 2,
        }
      : false,
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return socket.destroy();
    }
    const m = SYNC_PATH.exec(url.pathname);
    if (!m || ctx.closing) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    let slug: string;
    try {
      slug = decodeURIComponent(m[1]!);
    } catch {
      slug = '';
    }
    wss.handleUpgrade(req, socket, head, (ws) => handleSyncConnection(ctx, ws, req, slug, url.searchParams));
  });

  // The database went away (PostgreSQL): sync sockets close with 1013 and reconnect once it is back;
  // nothing is relayed meanwhile, as nothing can be committed.
  storage.onUnavailable?.(() => {
    log.warn('storage unreachable: closing sync sockets (1013)');
    for (const ws of wss.clients)
      ws.close(closeCodeFor('storage-failed'), 'Storage unavailable; try again later');
  });

  const sweep = setInterval(
    () => void storage.deleteExpiredSessions(Date.now()).catch(() => {}),
    SESSION_SWEEP_MS,
  );
  sweep.unref();
  ctx.webhooks.wake(); // deliveries left due by the last run

  return {
    ctx,
    http: server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const { port } = server.address() as AddressInfo;
          if (!config.publicUrl && !isLoopbackHost(config.host))
            log.warn(
              { host: config.host },
              'PUBLIC_URL is not set and the server listens beyond loopback: browsers reaching it by any ' +
                'name other than localhost are refused (Origin check); set PUBLIC_URL (or ALLOWED_ORIGINS)',
            );
          const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
          resolve({ port, url: config.publicUrl ?? `http://${host}:${port}` });
        });
      });
    },
    async close() {
      if (ctx.closing) return;
      ctx.closing = true;
      clearInterval(sweep);
      const closedHttp = new Promise<void>((r) => server.close(() => r()));
      for (const ws of wss.clients) ws.close(closeCodeFor('shutting-down'), 'Server restarting');
      for (const fn of [...shutdownHooks]) fn();
      server.closeIdleConnections();
      await ctx.registry.closeAll();
      await ctx.webhooks.close();
      setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
      }, 1000).unref();
      await closedHttp;
      wss.close();
      await cluster?.close();
      await ctx.decisionTokens.close();
      await ctx.history.close();
      await storage.close();
    },
  };
}
