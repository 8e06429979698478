/**
 * `npm run bench -- decisions` (issue 14): the AuthZEN decision point on the 10,000-user workspace of
 * bench/generate-workspace.ts, each HTTP figure with its floor measured in the same run — a bare
 * `node:http` server (a child process, no auth, no routing, no body parsing) answering a constant
 * `{"decision":true}` under the same load:
 * - core: `decide()` from a built index (no reasons, and with reasons), a 100-item boxcar, a subject search;
 * - HTTP: single evaluations/s and p99 at 50 connections (autocannon, 2 worker threads, 5 s), a 100-item
 *   boxcar and a subject search (sequential round trips, median);
 * - forward auth through nginx against nginx proxying directly (bench/forward-auth.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { decisions, readState, type WorkspaceState } from '../core/index.ts';
import { hashPassword } from '../sync-server/auth/password.ts';
import { hashToken, newToken, SESSION_PREFIX } from '../sync-server/auth/tokens.ts';
import { openSqliteStorage } from '../sync-server/storage/sqlite-storage.ts';
import { forwardAuthRows } from './forward-auth.ts';
import { BENCH_SIZE, generateWorkspace } from './generate-workspace.ts';
import type { Row } from './row.ts';

const CONNECTIONS = 50;
const FORWARD_AUTH_SECRET = 'bench-forward-auth-secret';
const DURATION_S = 5;
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
const fmt = (v: number) => round(v, 0).toLocaleString('en-US');

type Autocannon = (o: object) => Promise<{
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
}>;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function spawnAndWait(args: string[], env: Record<string, string>, probe: string) {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${probe}`)).status < 500) break;
    } catch {}
    if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { port, stop: () => child.kill('SIGTERM') };
}

const BARE = `
const http = require('node:http');
const body = Buffer.from('{"decision":true}');
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** The 10,000-user workspace, stored, with an admin's session. */
async function store(
  dataDir: string,
  generated: ReturnType<typeof generateWorkspace>,
  state: WorkspaceState,
) {
  const storage = openSqliteStorage(dataDir);
  await storage.createWorkspace({
    slug: 'big',
    name: 'Big',
    initialUpdate: Y.encodeStateAsUpdate(generated.doc),
  });
  const admin = [...state.users.values()].find((u) => u.role === 'admin' && u.status === 'active')!;
  const account = await storage.createAccount({
    email: admin.email,
    name: admin.name,
    passwordHash: await hashPassword('bench-password'),
  });
  const token = newToken(SESSION_PREFIX);
  await storage.createSession({
    accountId: account.id,
    tokenHash: hashToken(token),
    expiresAt: Date.now() + 3_600_000,
  });
  await storage.close();
  return token;
}

/** Median µs per call of `fn` over `n` calls (after a warm-up), in `batches` timed batches. */
function perCallUs(fn: (i: number) => void, n: number, batches = 7): number {
  for (let i = 0; i < n; i++) fn(i);
  const times: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    times.push(Number(process.hrtime.bigint() - t) / 1000 / n);
  }
  return times.sort((a, b) => a - b)[Math.floor(batches / 2)]!;
}

async function medianMs(fn: () => Promise<unknown>, n = 30): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

export async function run(): Promise<Row[]> {
  const generated = generateWorkspace({ ...BENCH_SIZE, seed: 7 });
  const state = readState(generated.doc);
  const users = [...state.users.values()].filter((u) => u.status === 'active');
  const apps = generated.appIds;
  const pairs = Array.from({ length: 4096 }, (_, i) => ({
    subject: { type: 'user', id: users[(i * 7919) % users.length]!.id },
    action: { name: 'view' },
    resource: { type: 'app', id: apps[(i * 104_729) % apps.length]! },
  }));
  decisions.decide(state, pairs[0]!); // builds the compiled index
  const bare = perCallUs((i) => decisions.decide(state, pairs[i & 4095]!, { explain: false }), 100_000);
  const explained = perCallUs((i) => decisions.decide(state, pairs[i & 4095]!), 300, 3);
  // An admin's refused single evaluation: core's explanation with the groups that would grant it.
  const refused = pairs.filter((p) => !decisions.decide(state, p, { explain: false }).decision).slice(0, 200);
  const refusedMs = refused
    .map((p) => {
      const t = performance.now();
      decisions.decide(state, p);
      return performance.now() - t;
    })
    .sort((a, b) => a - b);
  const roleOnly = perCallUs(
    (i) => decisions.decide(state, pairs[i & 4095]!, { groupSuggestions: false }),
    2_000,
  );
  const boxcar = {
    subject: pairs[0]!.subject,
    action: { name: 'view' },
    evaluations: pairs.slice(0, 100).map((p) => ({ resource: p.resource })),
  };
  const boxcarUs = perCallUs(() => decisions.evaluateAll(state, boxcar, { explain: false }), 200);
  const search = { action: { name: 'view' }, resource: { type: 'app', id: apps[apps.length - 1]! } };
  const searchUs = perCallUs(() => decisions.searchSubjects(state, search, { limit: 1000 }), 20);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-decisions-'));
  const token = await store(tmp, generated, state);
  generated.doc.destroy();
  const ours = await spawnAndWait(
    [
      // DECISIONS_BENCH_PROFILE=dir: a CPU profile of our server (written when it exits).
      ...(process.env.DECISIONS_BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.DECISIONS_BENCH_PROFILE}`]
        : []),
      '--import',
      'tsx',
      'sync-server/main.ts',
    ],
    { DATA_DIR: tmp, LOG_LEVEL: 'warn', WEB_DIR: '/nonexistent', FORWARD_AUTH_SECRET },
    '/healthz',
  );
  const floor = await spawnAndWait(['-e', BARE], {}, '/');
  const { default: autocannon } = (await import('autocannon' as string)) as { default: Autocannon };
  const base = `http://127.0.0.1:${ours.port}/api/workspaces/big/authzen/access/v1`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = (url: string, body: unknown) =>
    fetch(url, { method: 'POST', headers, body: JSON.stringify(body) }).then(async (r) => {
      if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
      return r.json();
    });
  try {
    const single = JSON.stringify(pairs[1]);
    const cannon = (url: string, duration = DURATION_S) =>
      autocannon({
        url,
        method: 'POST',
        body: single,
        headers,
        connections: CONNECTIONS,
        duration,
        workers: 2,
      });
    await cannon(`${base}/evaluation`, 3); // warm-up, not measured
    const oursRun = await cannon(`${base}/evaluation`);
    const floorRun = await cannon(`http://127.0.0.1:${floor.port}/`);
    const boxcarMs = await medianMs(() => post(`${base}/evaluations`, boxcar));
    const floorMs = await medianMs(() => post(`http://127.0.0.1:${floor.port}/`, boxcar));
    const searchMs = await medianMs(
      () => post(`${base}/search/subject`, { subject: { type: 'user' }, ...search, page: { limit: 1000 } }),
      15,
    );
    console.log('decisions', {
      bare,
      explained,
      boxcarUs,
      searchUs,
      oursRun,
      floorRun,
      boxcarMs,
      floorMs,
      searchMs,
    });
    // Forward auth through nginx, the bare server as the upstream (bench/forward-auth.ts).
    const forwardAuth = await forwardAuthRows({
      gatehousePort: ours.port,
      upstreamPort: floor.port,
      sessionToken: token,
      secret: FORWARD_AUTH_SECRET,
      appSlug: state.apps.get(apps[1]!)!.slug,
      workspace: 'big',
    });
    const ratio = oursRun.requests.average / floorRun.requests.average;
    const load = `autocannon, ${CONNECTIONS} connections, 2 worker threads, ${DURATION_S} s`;
    return [
      {
        name: 'decisions: core decide() from a built index (10,000 users × 2,000 apps, no reasons)',
        value: round(bare, 3),
        unit: 'µs',
        goal: '≤ 1 µs',
        met: bare <= 1,
        baseline: `with reasons (grant path, or core's explanation) and role suggestions (members, boxcar items): ${round(roleOnly, 1)} µs; with group suggestions too (an admin's single evaluation, from the compiled codes of each candidate group): ${round(explained, 0)} µs; an admin's refused evaluation with group suggestions, ${refusedMs.length} refused pairs: median ${round(refusedMs[refusedMs.length >> 1]! * 1000, 0)} µs, worst ${round(refusedMs[refusedMs.length - 1]! * 1000, 0)} µs`,
      },
      {
        name: 'decisions: POST …/access/v1/evaluation (single)',
        value: round(oursRun.requests.average, 0),
        unit: 'req/s',
        goal: '≥ 70 % of the bare node:http server',
        met: ratio >= 0.7,
        ratio: round(ratio, 2),
        baseline: `${load}; p50 ${oursRun.latency.p50} ms, p99 ${oursRun.latency.p99} ms; non-2xx ${oursRun.non2xx}; floor (bare node:http, constant {"decision":true}, same load): ${fmt(floorRun.requests.average)} req/s, p99 ${floorRun.latency.p99} ms`,
      },
      {
        name: 'decisions: p99 of single evaluations at 50 connections',
        value: oursRun.latency.p99,
        unit: 'ms',
        goal: '≤ 5 ms',
        met: oursRun.latency.p99 <= 5,
        baseline: `floor p99 ${floorRun.latency.p99} ms`,
      },
      {
        name: 'decisions: boxcar of 100 evaluations, core time (no reasons)',
        value: round(boxcarUs / 1000, 3),
        unit: 'ms',
        goal: '≤ 2 ms',
        met: boxcarUs / 1000 <= 2,
        baseline: `round trip POST …/evaluations (reasons and role suggestions for each item), median of sequential requests: ${round(boxcarMs, 2)} ms; floor (bare server, same body): ${round(floorMs, 2)} ms`,
      },
      {
        name: 'decisions: subject search for an app (10,000 users, limit 1000)',
        value: round(searchMs, 2),
        unit: 'ms',
        goal: '≤ 20 ms',
        met: searchMs <= 20,
        baseline: `round trip, median of sequential requests; core searchSubjects alone: ${round(searchUs / 1000, 2)} ms`,
      },
      ...forwardAuth,
    ];
  } finally {
    ours.stop();
    floor.stop();
    setTimeout(() => fs.rmSync(tmp, { recursive: true, force: true }), 500).unref();
  }
}
