/**
 * `npm run bench -- sync` (issue 3 §7). Both servers run as child processes; the clients live here.
 * Baseline: the stock server, `@y/websocket-server` 0.1.1 (its own server.js: setupWSConnection) with
 * y-leveldb persistence (YPERSISTENCE).
 *
 * Clients are light: a Y.Doc to make valid updates, a raw socket speaking the y-websocket protocol, and
 * receivers that read the send time out of the relayed bytes without applying them, so client CPU does
 * not drown the difference between the servers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { readState } from '../core/index.ts';
import { hashPassword } from '../sync-server/auth/password.ts';
import { hashToken, newToken, SESSION_PREFIX } from '../sync-server/auth/tokens.ts';
import { openSqliteStorage } from '../sync-server/storage/sqlite-storage.ts';
import { BENCH_SIZE, generateWorkspace } from './generate-workspace.ts';
import { percentile } from './measure.ts';
import type { Row } from './row.ts';

const CLIENTS = 50;
const UPDATES_PER_CLIENT = 200;
const IDLE_WORKSPACES = 100;
const IDLE_CLIENTS_PER_WORKSPACE = 10;
const STOCK = '@y/websocket-server 0.1.1 + y-leveldb';

interface Child {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function spawnServer(args: string[], env: Record<string, string>, probe: string): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const started = Date.now();
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${probe}`);
      if (r.ok) break;
    } catch {}
    if (child.exitCode !== null || Date.now() - started > 30_000)
      throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    port,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

const startOurs = (dataDir: string) =>
  spawnServer(
    ['--import', 'tsx', 'sync-server/main.ts'],
    { DATA_DIR: dataDir, LOG_LEVEL: 'warn', MAX_MESSAGES_PER_SECOND: '100000', WEB_DIR: '/nonexistent' },
    '/healthz',
  );
const startStock = (dataDir: string) =>
  spawnServer(['node_modules/@y/websocket-server/src/server.js'], { YPERSISTENCE: dataDir }, '/');

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function syncMsg(sub: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** A raw protocol client: syncs once (applying the server's state), then only counts what it receives. */
class LightClient {
  readonly doc = new Y.Doc();
  readonly ws: WebSocket;
  synced = false;
  onForeign: ((bytes: Buffer) => void) | null = null;

  constructor(url: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('open', () => this.ws.send(syncMsg(0, Y.encodeStateVector(this.doc))));
    this.ws.on('error', () => {});
    this.ws.on('message', (data: Buffer) => {
      if (data[0] !== 0) return;
      if (!this.synced) {
        const d = decoding.createDecoder(data);
        decoding.readVarUint(d);
        const sub = decoding.readVarUint(d);
        const payload = decoding.readVarUint8Array(d);
        if (sub === 0) this.ws.send(syncMsg(1, Y.encodeStateAsUpdate(this.doc, payload)));
        else if (sub === 1) {
          Y.applyUpdate(this.doc, payload, 'server');
          this.synced = true;
        }
        return;
      }
      this.onForeign?.(data);
    });
    this.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== 'server' && this.ws.readyState === WebSocket.OPEN) this.ws.send(syncMsg(2, u));
    });
  }

  waitSynced(timeoutMs = 30_000): Promise<void> {
    const start = Date.now();
    return new Promise((resolve, reject) => {
      const tick = () => {
        if (this.synced) return resolve();
        if (Date.now() - start > timeoutMs) return reject(new Error('client did not sync'));
        setTimeout(tick, 5);
      };
      tick();
    });
  }

  close(): void {
    this.ws.terminate();
    this.doc.destroy();
  }
}

interface Storm {
  readonly updatesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * 50 clients in one room, each renaming its own group 200 times as fast as it can. The name carries the
 * client, a counter and the send time; receivers read it out of the relayed bytes.
 */
async function storm(urlFor: () => string, prepare: (c: LightClient, i: number) => void): Promise<Storm> {
  const clients = Array.from({ length: CLIENTS }, () => new LightClient(urlFor()));
  await Promise.all(clients.map((c) => c.waitSynced()));
  clients.forEach(prepare);
  await new Promise((r) => setTimeout(r, 500)); // let the groups reach everyone
  const latencies: number[] = [];
  const expected = (CLIENTS - 1) * UPDATES_PER_CLIENT;
  const received = new Array<number>(CLIENTS).fill(0);
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => {
    resolveAll = r;
  });
  const RE = /s(\d+)-(\d+)-(\d{13})/g;
  clients.forEach((c, i) => {
    c.onForeign = (bytes) => {
      const text = bytes.toString('latin1');
      const now = Date.now();
      for (const m of text.matchAll(RE)) {
        if (Number(m[1]) === i) continue;
        latencies.push(now - Number(m[3]));
        if (++received[i]! === expected && ++done === CLIENTS) resolveAll();
      }
    };
  });
  const started = Date.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const group = [...c.doc.getMap('groups').values()].find(
        (g) => g instanceof Y.Map && g.get('name') === `s${i}-start`,
      ) as Y.Map<unknown>;
      for (let n = 0; n < UPDATES_PER_CLIENT; n++) {
        group.set('name', `s${i}-${n}-${Date.now()}`);
        if (n % 10 === 9) await new Promise((r) => setImmediate(r));
      }
    }),
  );
  const timeout = new Promise<void>((r) => setTimeout(r, 60_000));
  await Promise.race([all, timeout]);
  const elapsed = (Date.now() - started) / 1000;
  const delivered = received.reduce((a, b) => a + b, 0);
  for (const c of clients) c.close();
  if (done < CLIENTS) console.warn(`storm: only ${delivered} of ${expected * CLIENTS} deliveries arrived`);
  return {
    updatesPerSecond: delivered / (CLIENTS - 1) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Each client first creates its own group (through its doc, as the admin app would). */
function createOwnGroup(c: LightClient, i: number): void {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const g = new Y.Map<unknown>();
  c.doc.transact(() => {
    c.doc.getMap('groups').set(id, g);
    g.set('name', `s${i}-start`);
    g.set('kind', 'custom');
    g.set('createdAt', Date.now());
    g.set('members', new Y.Map());
    g.set('grants', new Y.Map());
  });
}

async function idleMemory(urlFor: (w: number) => string, pid: number): Promise<number> {
  const clients: LightClient[] = [];
  for (let w = 0; w < IDLE_WORKSPACES; w++)
    for (let k = 0; k < IDLE_CLIENTS_PER_WORKSPACE; k++) clients.push(new LightClient(urlFor(w)));
  await Promise.all(clients.map((c) => c.waitSynced(60_000)));
  await new Promise((r) => setTimeout(r, 1000));
  const rss = rssMiB(pid);
  for (const c of clients) c.close();
  return rss;
}

// biome-ignore lint/suspicious/noExplicitAny: setup replies, read loosely
async function json(url: string, method: string, body: unknown, token?: string): Promise<any> {
  const r = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const parsed = await r.json();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

async function oursSetup(server: Child): Promise<string> {
  const token = /token=([\w-]+)/.exec(server.output())?.[1];
  const r = await json(`http://127.0.0.1:${server.port}/api/setup`, 'POST', {
    token,
    workspace: { name: 'Bench', slug: 'bench' },
    admin: { email: 'admin@bench.test', name: 'Admin', password: 'bench-password' },
  });
  return r.token;
}

/** A stored 10,000-user workspace with a session for an admin and for an end user. */
async function storeBigWorkspace(dataDir: string): Promise<{ admin: string; endUser: string }> {
  const generated = generateWorkspace({ ...BENCH_SIZE, seed: 7 });
  const state = readState(generated.doc);
  const storage = openSqliteStorage(dataDir);
  const ws = await storage.createWorkspace({
    slug: 'big',
    name: 'Big',
    initialUpdate: Y.encodeStateAsUpdate(generated.doc),
  });
  const hash = await hashPassword('bench-password');
  const sessionFor = async (email: string) => {
    const account = await storage.createAccount({ email, name: email, passwordHash: hash });
    const token = newToken(SESSION_PREFIX);
    await storage.createSession({
      accountId: account.id,
      tokenHash: hashToken(token),
      expiresAt: Date.now() + 3_600_000,
    });
    return token;
  };
  const users = [...state.users.values()];
  const admin = users.find((u) => u.role === 'admin' && u.status === 'active')!;
  const endUser = users.find((u) => u.role === 'end-user' && u.status === 'active')!;
  const tokens = { admin: await sessionFor(admin.email), endUser: await sessionFor(endUser.email) };
  void ws;
  await storage.close();
  generated.doc.destroy();
  return tokens;
}

type Autocannon = (o: object) => Promise<{ requests: { average: number } }>;
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

async function cannon(url: string, headers: Record<string, string>): Promise<number> {
  // autocannon ships no types; only this call is used.
  const { default: autocannon } = (await import('autocannon' as string)) as { default: Autocannon };
  const result = await autocannon({ url, connections: 50, duration: 5, headers });
  return result.requests.average;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  try {
    // 1. Storm: ours vs stock.
    const ours = await startOurs(path.join(tmp, 'ours'));
    const token = await oursSetup(ours);
    const oursStorm = await storm(
      () => `ws://127.0.0.1:${ours.port}/sync/bench?token=${token}`,
      createOwnGroup,
    );
    // 2. Idle memory (ours): 100 workspaces × 10 clients.
    for (let w = 0; w < IDLE_WORKSPACES; w++)
      await json(
        `http://127.0.0.1:${ours.port}/api/workspaces`,
        'POST',
        { name: `Idle ${w}`, slug: `idle-${w}` },
        token,
      );
    const oursRss = await idleMemory(
      (w) => `ws://127.0.0.1:${ours.port}/sync/idle-${w}?token=${token}`,
      ours.child.pid!,
    );
    await ours.stop();
    console.log('ours', oursStorm, { rss: oursRss });

    const stock = await startStock(path.join(tmp, 'stock'));
    const stockStorm = await storm(() => `ws://127.0.0.1:${stock.port}/bench`, createOwnGroup);
    const stockRss = await idleMemory((w) => `ws://127.0.0.1:${stock.port}/idle-${w}`, stock.child.pid!);
    await stock.stop();
    console.log('stock', stockStorm, { rss: stockRss });

    rows.push({
      name: 'sync: 50 clients × 200 updates, throughput',
      value: round(oursStorm.updatesPerSecond, 0),
      unit: 'updates/s',
      goal: '≥ 1.0× stock',
      met: oursStorm.updatesPerSecond >= stockStorm.updatesPerSecond,
      baseline: `${STOCK}: ${round(stockStorm.updatesPerSecond, 0)} updates/s`,
      ratio: round(oursStorm.updatesPerSecond / stockStorm.updatesPerSecond, 2),
    });
    rows.push({
      name: 'sync: relay latency p50',
      value: oursStorm.p50,
      unit: 'ms',
      goal: 'report',
      met: true,
      baseline: `${STOCK}: ${stockStorm.p50} ms`,
      ratio: round(stockStorm.p50 / Math.max(1, oursStorm.p50), 2),
    });
    rows.push({
      name: 'sync: relay latency p99',
      value: oursStorm.p99,
      unit: 'ms',
      goal: 'p99 no worse than stock',
      met: oursStorm.p99 <= stockStorm.p99,
      baseline: `${STOCK}: ${stockStorm.p99} ms`,
      ratio: round(stockStorm.p99 / Math.max(1, oursStorm.p99), 2),
    });
    rows.push({
      name: 'sync: 1,000 idle clients in 100 workspaces, server RSS',
      value: round(oursRss, 0),
      unit: 'MiB',
      goal: '≤ 300 MB',
      met: oursRss * 1.048576 <= 300,
      baseline: `${STOCK}: ${round(stockRss, 0)} MiB`,
      ratio: round(stockRss / oursRss, 2),
    });

    // 3. Restart with a stored 10,000-user workspace; 4. GET /access under load.
    const bigDir = path.join(tmp, 'big');
    const tokens = await storeBigWorkspace(bigDir);
    const big = await startOurs(bigDir);
    const t0 = performance.now();
    const client = new LightClient(`ws://127.0.0.1:${big.port}/sync/big?token=${tokens.admin}`);
    await client.waitSynced();
    const syncMs = performance.now() - t0;
    client.close();
    rows.push({
      name: 'sync: restart with a 10,000-user workspace, new client synced',
      value: round(syncMs, 0),
      unit: 'ms',
      goal: '≤ 500 ms',
      met: syncMs <= 500,
      baseline: 'measured from the server accepting connections (doc loaded on first use)',
    });
    const accessUrl = `http://127.0.0.1:${big.port}/api/workspaces/big/access`;
    const auth = { authorization: `Bearer ${tokens.endUser}` };
    const first = await fetch(accessUrl, { headers: auth });
    const etag = first.headers.get('etag') ?? '';
    await first.text();
    const plain = await cannon(accessUrl, auth);
    const cached = await cannon(accessUrl, { ...auth, 'if-none-match': etag });
    await big.stop();
    rows.push({
      name: 'sync: GET /access (10,000-user workspace)',
      value: round(plain, 0),
      unit: 'req/s',
      goal: '≥ 5,000 req/s',
      met: plain >= 5000,
      baseline: 'autocannon, 50 connections, 5 s',
    });
    rows.push({
      name: 'sync: GET /access with ETag hit (304)',
      value: round(cached, 0),
      unit: 'req/s',
      goal: 'more than without ETag',
      met: cached >= plain,
      ratio: round(cached / plain, 2),
      baseline: 'GET /access without If-None-Match',
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
