/**
 * Test harness: a real server on 127.0.0.1:0 with SQLite in a temp dir (or PostgreSQL: see startServer),
 * HTTP helpers, y-websocket clients.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { type Command, commit, createWorkspaceDoc, plan, readState } from '../../core/index.ts';
import type { ServerConfig } from '../../sync-server/config.ts';
import { createGatehouseServer, type GatehouseServer } from '../../sync-server/server.ts';
import { onTestCluster, startServedCluster } from '../support/cluster-suite.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

export interface TestServer {
  readonly server: GatehouseServer;
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
}

/**
 * `GATEHOUSE_TEST_STORAGE=postgres npx vitest run <file>` runs a file's servers on PostgreSQL (a
 * throwaway server per file, or DATABASE_URL's): a fresh database per data dir, so a restart on the same
 * `dataDir` finds its data again.
 */
const onPostgres = process.env.GATEHOUSE_TEST_STORAGE === 'postgres';
let testPostgres: Promise<TestPostgres> | null = null;
const databaseOf = new Map<string, Promise<string>>();
function databaseFor(dataDir: string): Promise<string> {
  testPostgres ??= startPostgres();
  let url = databaseOf.get(dataDir);
  if (!url) {
    url = testPostgres.then((pg) => pg.createDatabase({ migrated: true }));
    databaseOf.set(dataDir, url);
  }
  return url;
}
if (onPostgres) afterAll(async () => testPostgres && (await (await testPostgres).stop()));

/**
 * A server on a free loopback port; with `GATEHOUSE_TEST_CLUSTER=2`, a 2-instance cluster behind one
 * port (test/support/cluster-suite.ts) unless the test names its own database.
 */
export async function startServer(config: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dataDir = config.dataDir ?? tempDir();
  if (onTestCluster && config.databaseUrl === undefined) {
    const c = await startServedCluster({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      docGraceMs: 200,
      ...config,
      dataDir,
    });
    return {
      server: c.server,
      url: c.url,
      wsUrl: `${c.url.replace('http', 'ws')}/sync`,
      dataDir,
      close: () => c.close(),
    };
  }
  const databaseUrl = config.databaseUrl ?? (onPostgres ? await databaseFor(dataDir) : null);
  const server = await createGatehouseServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    docGraceMs: 200,
    ...config,
    dataDir,
    databaseUrl,
  });
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  return { server, url, wsUrl: `ws://127.0.0.1:${port}/sync`, dataDir, close: () => server.close() };
}

// biome-ignore lint/suspicious/noExplicitAny: response JSON is read loosely in tests
export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

// biome-ignore lint/suspicious/noExplicitAny: response JSON is read loosely in tests
export async function api<T = any>(
  base: string,
  method: string,
  p: string,
  opts: { token?: string | undefined; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const r = await fetch(base + p, { method, headers, body });
  const text = await r.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: r.status, body: parsed as T, headers: r.headers, text };
}

export const PASSWORD = 'correct horse battery';

/** Runs first-run setup: workspace `slug` and its admin; returns the admin's session token. */
export async function setup(t: TestServer, slug = 'acme', email = 'admin@acme.test'): Promise<string> {
  const r = await api(t.url, 'POST', '/api/setup', {
    body: {
      token: t.server.ctx.setupToken,
      workspace: { name: slug.toUpperCase(), slug },
      admin: { email, name: 'Admin', password: PASSWORD },
    },
  });
  if (r.status !== 201) throw new Error(`setup failed: ${r.status} ${r.text}`);
  return r.body.token;
}

export async function login(t: TestServer, email: string, password = PASSWORD): Promise<string> {
  const r = await api(t.url, 'POST', '/api/login', { body: { email, password } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
  return r.body.token;
}

/** Invites `email` with `role` and accepts; returns the new user's id and session token. */
export async function addUser(
  t: TestServer,
  adminToken: string,
  slug: string,
  email: string,
  role: 'admin' | 'builder' | 'end-user',
): Promise<{ userId: string; token: string }> {
  const inv = await api(t.url, 'POST', `/api/workspaces/${slug}/users`, {
    token: adminToken,
    body: { email, name: email.split('@')[0], role },
  });
  if (inv.status !== 201) throw new Error(`invite failed: ${inv.status} ${inv.text}`);
  const token = inv.body.invitation.url.split('/invitations/')[1];
  const acc = await api(t.url, 'POST', `/api/invitations/${token}/accept`, { body: { password: PASSWORD } });
  if (acc.status !== 200) throw new Error(`accept failed: ${acc.status} ${acc.text}`);
  return { userId: inv.body.user.id, token: acc.body.token };
}

export interface Client {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** Close events seen (code, reason). */
  readonly closes: { code: number; reason: string }[];
  destroy(): void;
}

export function connect(
  t: TestServer,
  slug: string,
  token: string,
  doc = new Y.Doc(),
  connectNow = true,
): Client {
  const provider = new WebsocketProvider(t.wsUrl, slug, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
    connect: connectNow,
    maxBackoffTime: 300,
  });
  const closes: { code: number; reason: string }[] = [];
  provider.on('connection-close', (e) => {
    if (e) closes.push({ code: e.code, reason: e.reason });
  });
  return {
    doc,
    provider,
    closes,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function synced(c: Client, timeoutMs = 5000): Promise<void> {
  return until(() => c.provider.synced, timeoutMs, 'sync');
}

/** Runs a core command on a client's doc (what the admin app does). */
export function run(doc: Y.Doc, command: Command): string | undefined {
  const r = plan(readState(doc), { allowRoleChange: true, ...command } as Command);
  if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
  commit(doc, r.value);
  return r.value.createdId;
}

export function groupNames(doc: Y.Doc): string[] {
  return [...readState(doc).groups.values()]
    .filter((g) => g.deletedAt === undefined && g.kind === 'custom')
    .map((g) => g.name)
    .sort();
}

/** A new workspace doc with `email` as its active admin (a sync update's sender must be one). */
export function workspaceDocWithAdmin(email: string, slug = 'acme'): Y.Doc {
  const doc = createWorkspaceDoc({ name: slug.toUpperCase(), slug }, Date.now());
  const invited = plan(readState(doc), { type: 'user.invite', email, name: 'Admin', role: 'admin' });
  if (!invited.ok) throw new Error(invited.error.message);
  commit(doc, invited.value);
  const activated = plan(
    readState(doc),
    { type: 'user.activate', userId: invited.value.createdId! },
    { trusted: true },
  );
  if (!activated.ok) throw new Error(activated.error.message);
  commit(doc, activated.value);
  return doc;
}

/**
 * Servers started by one test file, stopped after each test: `const start = serversPerTest()` at the
 * top of the file, then `const t = await start(config)` in a test.
 */
export function serversPerTest(): ((config?: Partial<ServerConfig>) => Promise<TestServer>) & {
  /** Stops a server the test started another way after the test too. */
  track(t: TestServer): void;
} {
  let servers: TestServer[] = [];
  afterEach(async () => {
    // A test may already have stopped one (restarts): stopping again is not an error here.
    for (const s of servers) await s.close().catch(() => {});
    servers = [];
  });
  const start = async (config: Partial<ServerConfig> = {}) => {
    const t = await startServer(config);
    servers.push(t);
    return t;
  };
  return Object.assign(start, { track: (t: TestServer) => void servers.push(t) });
}

/** Deterministic PRNG (mulberry32): fuzz tests replay the same cases from a seed. */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
