/** Server configuration: defaults, overridable from the environment (see main.ts) or by tests. */
import { type ServerClock, SYSTEM_CLOCK } from './clock.ts';

export interface ServerConfig {
  /** What "now" is for expiring memberships, and their removal timer (tests pass one they move). */
  readonly clock: ServerClock;
  /** Where SQLite lives. */
  readonly dataDir: string;
  /**
   * PostgreSQL (`postgres://…`) instead of SQLite: cluster mode, several instances over one database.
   * Env: DATABASE_URL. Null: the SQLite file in `dataDir`, as always.
   */
  readonly databaseUrl: string | null;
  /**
   * Redis (`redis://…`) with DATABASE_URL: cluster mode, N instances serving one workspace (fan-out of
   * committed updates, presence, revocation; sync-server/cluster/). Env: REDIS_URL.
   */
  readonly redisUrl: string | null;
  /** Cluster mode: how often the heads of loaded docs are read from PostgreSQL. Env: CLUSTER_HEAD_POLL_MS. */
  readonly clusterHeadPollMs: number;
  /** Connections per instance to PostgreSQL. Env: DATABASE_POOL_SIZE. */
  readonly databasePoolSize: number;
  readonly port: number;
  readonly host: string;
  /** The origin browsers use to reach the server, e.g. `http://localhost:8080`; derived from Host if unset. */
  readonly publicUrl: string | null;
  /** Extra origins allowed for cookie requests and sockets (e.g. a Vite dev server). */
  readonly allowedOrigins: readonly string[];
  /** Built admin app; served with SPA fallback when it holds index.html. */
  readonly webDir: string | null;
  readonly maxFrameBytes: number;
  /** Compress sync messages of 64 KiB and more (a first sync of a big workspace shrinks ~3×). */
  readonly compressLargeMessages: boolean;
  readonly maxDocBytes: number;
  readonly maxMessagesPerSecond: number;
  readonly maxBodyBytes: number;
  readonly sessionTtlMs: number;
  readonly invitationTtlMs: number;
  /** How long a doc stays in memory after its last user leaves. */
  readonly docGraceMs: number;
  /** Compact a doc's update log into its snapshot past this many updates. */
  readonly compactAfterUpdates: number;
  /** Password attempts (sign-in, invitation acceptance) per IP+email per minute; past it, 429. */
  readonly loginAttemptsPerMinute: number;
  /**
   * Password attempts and password resets per IP per minute, whatever the email: high enough for many
   * people behind one proxy. Env: LOGIN_ATTEMPTS_PER_IP_PER_MINUTE.
   */
  readonly loginAttemptsPerIpPerMinute: number;
  /**
   * Direct peers whose `X-Forwarded-For` is believed (IPs or CIDRs); nobody else's is. Env:
   * TRUSTED_PROXIES, comma-separated.
   */
  readonly trustedProxies: readonly string[];
  /**
   * Forward auth (`GET /api/forward-auth`): the shared secret a proxy sends in `X-Gatehouse-Proxy-Secret`
   * so its `X-Forwarded-*` are believed from any address. Env: FORWARD_AUTH_SECRET (at least 16 characters).
   */
  readonly forwardAuthSecret: string | null;
  /**
   * The session cookie's Domain (e.g. `corp.com`), so one sign-in covers the app hosts behind forward auth;
   * null: host-only (the cookie goes to Gatehouse's host alone). Env: SESSION_COOKIE_DOMAIN. See the
   * README's "Forward auth" for the trade-off.
   */
  readonly sessionCookieDomain: string | null;
  /**
   * Requests per minute one decision token may make (per instance); past it, 429 before any decision
   * work. Env: DECISION_TOKEN_REQUESTS_PER_MINUTE.
   */
  readonly decisionTokenRequestsPerMinute: number;
  /** Permission-history reports computed at once per instance, each in a worker thread (issue 15). */
  readonly historyReportsInFlight: number;
  /** How long a history report waits for a free slot before 429 (ms). */
  readonly historyReportWaitMs: number;
  /** Updates one history timeline replays at most (a longer window is 422 window-too-large). */
  readonly historyMaxReplayedUpdates: number;
  /** Open `/access/events` streams per account (all workspaces); past it, 429. */
  readonly maxEventStreamsPerAccount: number;
  /** How long an admin-issued password reset link stays valid. */
  readonly passwordResetTtlMs: number;
  readonly sqliteSynchronous: 'full' | 'normal';
  /** Secure flag on the session cookie (set behind HTTPS). */
  readonly secureCookies: boolean;
  readonly logLevel: string;
  /** How often open sync sockets and `/access/events` streams recheck their session or API token. */
  readonly credentialRecheckMs: number;
  /**
   * Who may create workspaces (`POST /api/workspaces`): `admins` (accounts that are already an active
   * admin of some workspace), `all` (any signed-in account) or `none`. Env: ALLOW_WORKSPACE_CREATION.
   */
  readonly allowWorkspaceCreation: 'admins' | 'all' | 'none';
  /**
   * Webhooks may reach loopback, private, link-local and other non-public addresses (a receiver inside
   * the network). Off by default: a webhook URL is a request the server makes for an admin (SSRF). Env:
   * WEBHOOK_ALLOW_PRIVATE=1.
   */
  readonly webhookAllowPrivate: boolean;
  /**
   * Host names, IPs or CIDRs webhooks may reach even when private (e.g. `hooks.corp.internal,10.1.2.0/24`).
   * Env: WEBHOOK_ALLOWED_HOSTS, comma-separated.
   */
  readonly webhookAllowedHosts: readonly string[];
  /** One webhook attempt's time limit, connection to the end of the answer. */
  readonly webhookTimeoutMs: number;
  /** Webhook attempts in flight per instance. */
  readonly webhookMaxInFlight: number;
}

export const DEFAULT_CONFIG: ServerConfig = {
  clock: SYSTEM_CLOCK,
  dataDir: './data',
  databaseUrl: null,
  databasePoolSize: 10,
  redisUrl: null,
  clusterHeadPollMs: 3_000,
  port: 8080,
  host: '0.0.0.0',
  publicUrl: null,
  allowedOrigins: [],
  webDir: null,
  maxFrameBytes: 1024 * 1024, // 1 MiB
  compressLargeMessages: true,
  maxDocBytes: 64 * 1024 * 1024, // 64 MiB of stored updates
  maxMessagesPerSecond: 200,
  maxBodyBytes: 1024 * 1024,
  sessionTtlMs: 14 * 24 * 3_600_000, // 14 days
  invitationTtlMs: 7 * 24 * 3_600_000, // 7 days
  docGraceMs: 30_000,
  compactAfterUpdates: 500,
  loginAttemptsPerMinute: 10,
  loginAttemptsPerIpPerMinute: 100,
  trustedProxies: [],
  forwardAuthSecret: null,
  sessionCookieDomain: null,
  maxEventStreamsPerAccount: 20,
  decisionTokenRequestsPerMinute: 60_000, // 1,000/s: a proxy asks once per proxied request
  historyReportsInFlight: 2,
  historyReportWaitMs: 1_000,
  historyMaxReplayedUpdates: 25_000, // ~1 ms each on a 10,000-user workspace: tens of seconds of a worker
  passwordResetTtlMs: 24 * 3_600_000, // 24 hours
  sqliteSynchronous: 'normal',
  secureCookies: false,
  logLevel: 'info',
  credentialRecheckMs: 30_000,
  allowWorkspaceCreation: 'admins',
  webhookAllowPrivate: false,
  webhookAllowedHosts: [],
  webhookTimeoutMs: 10_000,
  webhookMaxInFlight: 4,
};

export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
  const list = (v: string | undefined) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return {
    ...DEFAULT_CONFIG,
    dataDir: env.DATA_DIR || DEFAULT_CONFIG.dataDir,
    databaseUrl: env.DATABASE_URL?.trim() || null,
    databasePoolSize: num(env.DATABASE_POOL_SIZE, DEFAULT_CONFIG.databasePoolSize),
    redisUrl: (env.DATABASE_URL?.trim() && env.REDIS_URL?.trim()) || null,
    clusterHeadPollMs: num(env.CLUSTER_HEAD_POLL_MS, DEFAULT_CONFIG.clusterHeadPollMs),
    port: num(env.PORT, DEFAULT_CONFIG.port),
    host: env.HOST || DEFAULT_CONFIG.host,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, '') || null,
    allowedOrigins: list(env.ALLOWED_ORIGINS),
    trustedProxies: list(env.TRUSTED_PROXIES),
    forwardAuthSecret: env.FORWARD_AUTH_SECRET?.trim() || null,
    sessionCookieDomain: env.SESSION_COOKIE_DOMAIN?.trim() || null,
    loginAttemptsPerMinute: num(env.LOGIN_ATTEMPTS_PER_MINUTE, DEFAULT_CONFIG.loginAttemptsPerMinute),
    loginAttemptsPerIpPerMinute: num(
      env.LOGIN_ATTEMPTS_PER_IP_PER_MINUTE,
      DEFAULT_CONFIG.loginAttemptsPerIpPerMinute,
    ),
    decisionTokenRequestsPerMinute: num(
      env.DECISION_TOKEN_REQUESTS_PER_MINUTE,
      DEFAULT_CONFIG.decisionTokenRequestsPerMinute,
    ),
    historyReportsInFlight: Math.max(
      1,
      num(env.HISTORY_REPORTS_IN_FLIGHT, DEFAULT_CONFIG.historyReportsInFlight),
    ),
    historyMaxReplayedUpdates: num(
      env.HISTORY_MAX_REPLAYED_UPDATES,
      DEFAULT_CONFIG.historyMaxReplayedUpdates,
    ),
    maxEventStreamsPerAccount: num(
      env.MAX_EVENT_STREAMS_PER_ACCOUNT,
      DEFAULT_CONFIG.maxEventStreamsPerAccount,
    ),
    maxFrameBytes: num(env.MAX_FRAME_BYTES, DEFAULT_CONFIG.maxFrameBytes),
    compressLargeMessages: env.COMPRESS_SYNC !== '0',
    maxDocBytes: num(env.MAX_DOC_BYTES, DEFAULT_CONFIG.maxDocBytes),
    maxMessagesPerSecond: num(env.MAX_MESSAGES_PER_SECOND, DEFAULT_CONFIG.maxMessagesPerSecond),
    maxBodyBytes: num(env.MAX_BODY_BYTES, DEFAULT_CONFIG.maxBodyBytes),
    docGraceMs: num(env.DOC_GRACE_MS, DEFAULT_CONFIG.docGraceMs),
    sqliteSynchronous: env.SQLITE_SYNCHRONOUS === 'full' ? 'full' : 'normal',
    secureCookies: env.SECURE_COOKIES === '1' || (env.PUBLIC_URL ?? '').startsWith('https:'),
    logLevel: env.LOG_LEVEL || DEFAULT_CONFIG.logLevel,
    allowWorkspaceCreation: workspaceCreation(env.ALLOW_WORKSPACE_CREATION),
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === '1' || env.WEBHOOK_ALLOW_PRIVATE === 'true',
    webhookAllowedHosts: list(env.WEBHOOK_ALLOWED_HOSTS),
  };
}

function workspaceCreation(v: string | undefined): ServerConfig['allowWorkspaceCreation'] {
  const s = (v ?? '').trim().toLowerCase();
  if (s === 'all' || s === 'anyone' || s === 'true' || s === '1') return 'all';
  if (s === 'none' || s === 'false' || s === '0' || s === 'off') return 'none';
  return 'admins';
}
