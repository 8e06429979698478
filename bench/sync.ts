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
import WebSocket from 'ws';
import * as Y from 'yjs';
import { encodeStep1, encodeStep2, MESSAGE_SYNC, readState, SYNC_STEP1, SYNC_STEP2 } from '../core/index.ts';
import { hashPassword } from '../sync-server/auth/password.ts';
import { hashToken, newToken, SESSION_PREFIX } from '../sync-server/auth/tokens.ts';
import { openSqliteStorage } from '../sync-server/storage/sqlite-storage.ts';
import { accessHttpRows } from './access-http.ts';
import { BENCH_SIZE, generateWorkspace } from './generate-workspace.ts';
import { percentile } from './measure.ts';
import type { Row } from './row.ts';

const CLIENTS = 50;
const UPDATES_PER_CLIENT = 200;
/** Renames per second per client: 50 × 20 = 1,000 updates/s offered, 49,000 deliveries/s. */
const RATE = Number(process.env.SYNC_BENCH_RATE ?? 20);
/** The capacity run: the same workload offered faster than either server relays it (5,000 updates/s). */
const CAPACITY_RATE = Number(process.env.SYNC_BENCH_CAPACITY_RATE ?? 100);
const CLIENT_PROCESSES = 2;
/** Storm rounds per server, alternating ours and stock; the best round of each is reported. */
const ROUNDS = Number(process.env.SYNC_BENCH_ROUNDS ?? 2);
/** While working on one part: `storm`, `idle` or `big` (restart and /access). Unset: everything. */
const ONLY = process.env.SYNC_BENCH_ONLY ?? '';
const part = (name: string) => ONLY === '' || ONLY.split(',').includes(name);
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
    [
      // SYNC_BENCH_PROFILE=dir: a CPU profile of our server (written when it exits).
      ...(process.env.SYNC_BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SYNC_BENCH_PROFILE}`]
        : []),
      '--import',
      'tsx',
      'sync-server/main.ts',
    ],
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

/** A child process of bench/sync-clients.ts, driven over IPC. */
class ClientProcess {
  readonly child: ChildProcess;
  private readonly waiters: ((m: { kind: string } & Record<string, unknown>) => void)[] = [];

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'bench/sync-clients.ts'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { kind: string } & Record<string, unknown>) => {
      if (m.kind === 'error') console.error(`client process: ${m.message}`);
      this.waiters.shift()?.(m);
    });
  }

  request<T>(cmd: object): Promise<T> {
    return new Promise((resolve) => {
      this.waiters.push(resolve as never);
      this.child.send(cmd);
    });
  }

  tell(cmd: object): void {
    this.child.send(cmd);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

interface Storm {
  readonly updatesPerSecond: number;
  readonly offered: number;
  readonly p50: number;
  readonly p99: number;
  readonly delivered: number;
  readonly expected: number;
}

interface ClientResult {
  readonly latencies: number[];
  readonly received: number;
  readonly last: number;
  readonly closed: number[];
}

/**
 * 50 clients in one room (in CLIENT_PROCESSES child processes), each renaming its own group 200 times at
 * a steady RATE per second. Throughput: deliveries to the other clients per second, from the first send to
 * the last receipt, divided by the 49 receivers (= updates relayed per second). Latency: send → receipt.
 */
async function storm(urlFor: () => string, rate: number): Promise<Storm> {
  const procs = Array.from({ length: CLIENT_PROCESSES }, () => new ClientProcess());
  try {
    const per = Math.ceil(CLIENTS / procs.length);
    await Promise.all(
      procs.map((p, k) => {
        const first = k * per;
        const count = Math.max(0, Math.min(per, CLIENTS - first));
        return p.request({
          kind: 'storm',
          urls: Array.from({ length: count }, urlFor),
          first,
          clients: CLIENTS,
          updates: UPDATES_PER_CLIENT,
          rate,
        });
      }),
    );
    await new Promise((r) => setTimeout(r, 1000)); // let the groups reach everyone
    const at = Date.now() + 200;
    for (const p of procs) p.tell({ kind: 'go', at });
    const expected = (CLIENTS - 1) * UPDATES_PER_CLIENT * CLIENTS;
    const sendSeconds = UPDATES_PER_CLIENT / rate;
    const deadline = at + sendSeconds * 1000 + 60_000;
    let results: ClientResult[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      results = await Promise.all(procs.map((p) => p.request<ClientResult>({ kind: 'report', full: false })));
      const delivered = results.reduce((a, r) => a + r.received, 0);
      if (delivered >= expected || Date.now() > deadline) break;
    }
    results = await Promise.all(procs.map((p) => p.request<ClientResult>({ kind: 'report', full: true })));
    const delivered = results.reduce((a, r) => a + r.received, 0);
    const last = Math.max(...results.map((r) => r.last));
    const closed = results.flatMap((r) => r.closed);
    if (delivered < expected)
      console.warn(`storm: only ${delivered} of ${expected} deliveries arrived; closed: ${closed.join(',')}`);
    const latencies = results.flatMap((r) => r.latencies);
    const elapsed = (last - at) / 1000;
    return {
      updatesPerSecond: delivered / (CLIENTS - 1) / elapsed,
      offered: CLIENTS * rate,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      delivered,
      expected,
    };
  } finally {
    for (const p of procs) p.stop();
  }
}

async function idleMemory(urlFor: (w: number) => string, pid: number): Promise<number> {
  const procs = Array.from({ length: CLIENT_PROCESSES }, () => new ClientProcess());
  try {
    const urls: string[][] = procs.map(() => []);
    let n = 0;
    for (let w = 0; w < IDLE_WORKSPACES; w++)
      for (let k = 0; k < IDLE_CLIENTS_PER_WORKSPACE; k++) urls[n++ % procs.length]!.push(urlFor(w));
    await Promise.all(procs.map((p, k) => p.request({ kind: 'idle', urls: urls[k] })));
    await new Promise((r) => setTimeout(r, 1000));
    return rssMiB(pid);
  } finally {
    for (const p of procs) p.stop();
  }
}

/**
 * One fresh client against a just-started server: times when the server's state arrives (step 2) and when
 * the client has applied it (what a y-websocket provider does before it reports `synced`).
 */
function firstSync(url: string): Promise<{ received: number; synced: number; bytes: number }> {
  const t0 = performance.now();
  const doc = new Y.Doc();
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('client did not sync')), 60_000);
    ws.on('open', () => ws.send(encodeStep1(Y.encodeStateVector(doc))));
    ws.on('close', (code) => reject(new Error(`closed with ${code}`)));
    ws.on('message', (data: Buffer) => {
      if (data[0] !== MESSAGE_SYNC) return;
      const d = decoding.createDecoder(data);
      decoding.readVarUint(d);
      const sub = decoding.readVarUint(d);
      const payload = decoding.readVarUint8Array(d);
      if (sub === SYNC_STEP1) ws.send(encodeStep2(Y.encodeStateAsUpdate(doc, payload)));
      else if (sub === SYNC_STEP2) {
        const received = performance.now() - t0;
        Y.applyUpdate(doc, payload, 'server');
        const synced = performance.now() - t0;
        clearTimeout(timer);
        ws.removeAllListeners('close');
        ws.terminate();
        doc.destroy();
        resolve({ received, synced, bytes: payload.length });
      }
    });
  });
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

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  try {
    // 1. Storm: ours vs stock, both running (idle one costs nothing), alternating, a fresh room each round.
    const ours = await startOurs(path.join(tmp, 'ours'));
    const stock = await startStock(path.join(tmp, 'stock'));
    const token = await oursSetup(ours);
    // Each round: the steady run (latency) and the capacity run (throughput), each in a fresh room.
    const rounds = {
      ours: { steady: [] as Storm[], capacity: [] as Storm[] },
      stock: { steady: [] as Storm[], capacity: [] as Storm[] },
    };
    for (let r = 0; r < (part('storm') ? ROUNDS : 0); r++) {
      for (const [kind, rate] of [
        ['steady', RATE],
        ['capacity', CAPACITY_RATE],
      ] as const) {
        const room = `storm-${r}-${kind}`;
        await json(`http://127.0.0.1:${ours.port}/api/workspaces`, 'POST', { name: room, slug: room }, token);
        const runOurs = async () => {
          rounds.ours[kind].push(
            await storm(() => `ws://127.0.0.1:${ours.port}/sync/${room}?token=${token}`, rate),
          );
          console.log('ours', kind, rounds.ours[kind].at(-1));
        };
        const runStock = async () => {
          rounds.stock[kind].push(await storm(() => `ws://127.0.0.1:${stock.port}/${room}`, rate));
          console.log('stock', kind, rounds.stock[kind].at(-1));
        };
        if (r % 2 === 0) {
          await runOurs();
          await runStock();
        } else {
          await runStock();
          await runOurs();
        }
      }
    }
    const workload = (rate: number) =>
      `${CLIENTS} clients in ${CLIENT_PROCESSES} client processes, ${rate} updates/s each (${CLIENTS * rate}/s offered)`;
    if (part('storm')) {
      // Best of the rounds for each server (the machine is shared; both get the same treatment).
      const best = (runs: Storm[]) =>
        runs.reduce((a, b) => (b.updatesPerSecond > a.updatesPerSecond ? b : a));
      const bestLatency = (runs: Storm[]) => runs.reduce((a, b) => (b.p99 < a.p99 ? b : a));
      const ours = best(rounds.ours.capacity);
      const stock = best(rounds.stock.capacity);
      const oursSteady = bestLatency(rounds.ours.steady);
      const stockSteady = bestLatency(rounds.stock.steady);
      rows.push({
        name: `sync: 50 clients × 200 updates, throughput (offered ${CLIENTS * CAPACITY_RATE}/s)`,
        value: round(ours.updatesPerSecond, 0),
        unit: 'updates/s',
        goal: '≥ 1.0× stock',
        met: ours.updatesPerSecond >= stock.updatesPerSecond,
        baseline: `${STOCK}: ${round(stock.updatesPerSecond, 0)} updates/s; ${workload(CAPACITY_RATE)}; p50/p99 ours ${ours.p50}/${ours.p99} ms, stock ${stock.p50}/${stock.p99} ms`,
        ratio: round(ours.updatesPerSecond / stock.updatesPerSecond, 2),
      });
      rows.push({
        name: `sync: relay latency p50 at a steady ${CLIENTS * RATE} updates/s (send → receipt at the other clients)`,
        value: oursSteady.p50,
        unit: 'ms',
        goal: 'report',
        met: true,
        baseline: `${STOCK}: ${stockSteady.p50} ms; ${workload(RATE)}; relayed ours ${round(oursSteady.updatesPerSecond, 0)}/s, stock ${round(stockSteady.updatesPerSecond, 0)}/s`,
        ratio: round(stockSteady.p50 / Math.max(1, oursSteady.p50), 2),
      });
      rows.push({
        name: `sync: relay latency p99 at a steady ${CLIENTS * RATE} updates/s`,
        value: oursSteady.p99,
        unit: 'ms',
        goal: 'p99 no worse than stock',
        met: oursSteady.p99 <= stockSteady.p99,
        baseline: `${STOCK}: ${stockSteady.p99} ms`,
        ratio: round(stockSteady.p99 / Math.max(1, oursSteady.p99), 2),
      });
    }

    // 2. Idle memory: 100 workspaces × 10 clients.
    if (part('idle')) {
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
      const stockRss = await idleMemory((w) => `ws://127.0.0.1:${stock.port}/idle-${w}`, stock.child.pid!);
      console.log({ oursRss, stockRss });
      rows.push({
        name: 'sync: 1,000 idle clients in 100 workspaces, server RSS',
        value: round(oursRss, 0),
        unit: 'MiB',
        goal: '≤ 300 MB',
        met: oursRss * 1.048576 <= 300,
        baseline: `${STOCK}: ${round(stockRss, 0)} MiB`,
        ratio: round(stockRss / oursRss, 2),
      });
    }
    await ours.stop();
    await stock.stop();
    if (!part('big')) return rows;
    // 3. Restart with a stored 10,000-user workspace; 4. GET /access under load.
    const bigDir = path.join(tmp, 'big');
    const tokens = await storeBigWorkspace(bigDir);
    // The first start reads the imported state (one V1 update); the server may rewrite it as a snapshot.
    // The measured figure is the start after that: a plain restart of a server holding the workspace.
    const syncUrl = (port: number) => `ws://127.0.0.1:${port}/sync/big?token=${tokens.admin}`;
    let big = await startOurs(bigDir);
    const cold = await firstSync(syncUrl(big.port));
    await new Promise((r) => setTimeout(r, 3000)); // let any background compaction finish
    await big.stop();
    big = await startOurs(bigDir);
    const warm = await firstSync(syncUrl(big.port));
    console.log('restart', { cold, warm });
    rows.push({
      name: 'sync: restart with a 10,000-user workspace, new client synced',
      value: round(warm.synced, 0),
      unit: 'ms',
      goal: '≤ 500 ms',
      met: warm.synced <= 500,
      baseline: `from the server accepting connections to the client having applied the state (${round(warm.bytes / 1e6, 2)} MB); state received after ${round(warm.received, 0)} ms; first start after import: ${round(cold.synced, 0)} ms`,
    });
    rows.push({
      name: 'sync: restart, server side: the state reaches the new client',
      value: round(warm.received, 0),
      unit: 'ms',
      goal: '≤ 500 ms',
      met: warm.received <= 500,
      baseline: `first start after import (no snapshot yet, so the doc is built before answering): ${round(cold.received, 0)} ms`,
    });
    // 4. GET /access under load, with its floors (bench/access-http.ts).
    rows.push(
      ...(await accessHttpRows({
        baseUrl: `http://127.0.0.1:${big.port}`,
        workspace: 'big',
        token: tokens.endUser,
        pid: big.child.pid!,
      })),
    );
    await big.stop();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
