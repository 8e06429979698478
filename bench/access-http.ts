/**
 * `GET /access` under load (issue 10), called by bench/sync.ts with a server holding the 10,000-user
 * workspace. Each figure is printed with its floor, measured in the same run:
 * - the summary's size against the 40 KiB goal (and the single summary of before the split: 516 KiB);
 * - `JSON.stringify` + gzip of the summary alone: what a request would cost if nothing were cached;
 * - a bare `node:http` server (a child process, no auth, no routing) answering the same bytes with the
 *   same headers, under the same load: what any Node server on this machine can do at best.
 * Server CPU per request is read from /proc (user + system) over each 5-second run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Row } from './row.ts';

/** The per-user summary of the benchmark user before the split (README, bench run of issue 10's start). */
const BEFORE_KIB = 516;
const GOAL_KIB = 40;
const GOAL_RPS = 6000;
const DURATION_S = 5;
/** An unmeasured run first (seconds). */
const WARMUP_S = 3;
const CONNECTIONS = 50;

type Autocannon = (o: object) => Promise<{ requests: { average: number; total: number }; non2xx: number }>;
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const fmt = (v: number) => round(v, 0).toLocaleString('en-US');

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in 1/100 s ticks
}

interface Cannon {
  readonly rps: number;
  /** Server CPU per request: what the server could serve per core, whatever the load generator manages. */
  readonly cpuUsPerRequest: number;
}

/** autocannon in two worker threads, 50 connections, 5 s. */
async function cannon(
  url: string,
  headers: Record<string, string>,
  pid: number,
  duration = DURATION_S,
): Promise<Cannon> {
  // autocannon ships no types; only this call is used.
  const { default: autocannon } = (await import('autocannon' as string)) as { default: Autocannon };
  const before = cpuMs(pid);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    workers: 2,
    headers,
  });
  const used = cpuMs(pid) - before;
  return {
    rps: result.requests.average,
    cpuUsPerRequest: (used * 1000) / Math.max(1, result.requests.total),
  };
}

/** Median µs of `fn` over `n` runs after a warm-up. */
function timeUs(fn: () => void, n = 200): number {
  for (let i = 0; i < 20; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

/** The bare server: answers every request with the given bytes and headers (304 when told to). */
const BARE = `
const http = require('node:http');
const fs = require('node:fs');
const [body, headers, status] = [fs.readFileSync(process.argv[1]), JSON.parse(process.argv[2]), Number(process.argv[3])];
const server = http.createServer((req, res) => {
  res.writeHead(status, status === 304 ? { etag: headers.etag } : { ...headers, 'content-length': body.length });
  res.end(status === 304 ? undefined : body);
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

async function bare(body: Buffer, headers: Record<string, string>, status: number) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bare-')), 'body');
  fs.writeFileSync(file, body);
  const child: ChildProcess = spawn(
    process.execPath,
    ['-e', BARE, file, JSON.stringify(headers), String(status)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error('bare server exited')));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid!,
    stop: async () => {
      child.kill();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    },
  };
}

async function fetchBytes(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers: { ...headers, 'accept-encoding': 'identity' } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return { etag: res.headers.get('etag') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

/**
 * The rows for `GET /access` (gzip, identity, 304) and the catalog, each with its floor.
 * `baseUrl` is the server, `pid` its process (for CPU), `token` a session of the benchmark user.
 */
export async function accessHttpRows(opts: {
  readonly baseUrl: string;
  readonly workspace: string;
  readonly token: string;
  readonly pid: number;
}): Promise<Row[]> {
  const accessUrl = `${opts.baseUrl}/api/workspaces/${opts.workspace}/access`;
  const catalogUrl = `${accessUrl}/catalog`;
  const auth = { authorization: `Bearer ${opts.token}` };
  const summary = await fetchBytes(accessUrl, auth);
  const catalog = await fetchBytes(catalogUrl, auth);
  const gz = gzipSync(summary.body);
  const parsed: unknown = JSON.parse(summary.body.toString('utf8'));
  const serializeUs = timeUs(() => gzipSync(Buffer.from(JSON.stringify(parsed))));
  const kib = summary.body.length / 1024;
  const catalogKib = catalog.body.length / 1024;

  const run = (url: string, headers: Record<string, string>) =>
    cannon(url, { ...auth, ...headers }, opts.pid);
  // Not measured: lets the server finish what it does after a start (a snapshot of an imported state)
  // and warm its code, so the first figure is not charged for it.
  await cannon(accessUrl, { ...auth, 'accept-encoding': 'gzip' }, opts.pid, WARMUP_S);

  // Each figure, then at once its floor: the same bytes from a bare node:http server under the same
  // load (the machine is shared: measured back to back, the two see the same other work).
  const headers = { 'content-type': 'application/json; charset=utf-8', etag: summary.etag };
  const floorOf = async (body: Buffer, extra: Record<string, string>, status: number) => {
    const b = await bare(body, { ...headers, ...extra }, status);
    try {
      return await cannon(b.url, {}, b.pid);
    } finally {
      await b.stop();
    }
  };
  const gzip = await run(accessUrl, { 'accept-encoding': 'gzip' });
  const floors = { gzip: await floorOf(gz, { 'content-encoding': 'gzip' }, 200) } as Record<
    'gzip' | 'plain' | 'cached',
    Cannon
  >;
  const plain = await run(accessUrl, { 'accept-encoding': 'identity' });
  floors.plain = await floorOf(summary.body, {}, 200);
  const cached = await run(accessUrl, { 'if-none-match': summary.etag });
  floors.cached = await floorOf(Buffer.alloc(0), {}, 304);
  const catalogGzip = await run(catalogUrl, { 'accept-encoding': 'gzip' });
  console.log('access', { gzip, plain, cached, catalogGzip, serializeUs, floors });

  const load = `autocannon, ${CONNECTIONS} connections, 2 worker threads, ${DURATION_S} s`;
  const cpu = (c: Cannon) => `server CPU ${fmt(c.cpuUsPerRequest)} µs/request`;
  const floorText = (c: Cannon, f: Cannon) =>
    `${load}; ${cpu(c)}; floor (bare node:http, same bytes, same load): ${fmt(f.rps)} req/s, ${fmt(f.cpuUsPerRequest)} µs/request`;
  return [
    {
      name: 'access: per-user summary of the benchmark user (GET /access, JSON)',
      value: round(kib, 1),
      unit: 'KiB',
      goal: `≤ ${GOAL_KIB} KiB`,
      met: kib <= GOAL_KIB,
      baseline: `before the split: ${BEFORE_KIB} KiB (every app with name, slug, patterns); gzipped ${round(gz.length / 1024, 1)} KiB; the workspace catalog (GET /access/catalog, shared by every member, fetched once per catalog version): ${round(catalogKib, 0)} KiB JSON, ${round(gzipSync(catalog.body).length / 1024, 0)} KiB gzipped; floor: JSON.stringify + gzip of the summary alone ${round(serializeUs, 0)} µs`,
      ratio: round(BEFORE_KIB / kib, 1),
    },
    {
      name: 'access: GET /access (10,000-user workspace), accept-encoding: gzip',
      value: round(gzip.rps, 0),
      unit: 'req/s',
      goal: `≥ ${GOAL_RPS.toLocaleString('en-US')} req/s`,
      met: gzip.rps >= GOAL_RPS,
      baseline:
        floorText(gzip, floors.gzip) +
        (gzip.rps >= GOAL_RPS
          ? ''
          : `; missed: the bare server itself does ${fmt(floors.gzip.rps)} req/s under this load, and each request of ours also pays the session lookup, the workspace and member resolution and the routing (the 304 path, which sends no body: ${fmt(cached.cpuUsPerRequest)} µs)`),
      ratio: round(gzip.rps / floors.gzip.rps, 2),
    },
    {
      name: 'access: GET /access, no compression (accept-encoding: identity)',
      value: round(plain.rps, 0),
      unit: 'req/s',
      goal: 'report',
      met: true,
      baseline: floorText(plain, floors.plain),
      ratio: round(plain.rps / floors.plain.rps, 2),
    },
    {
      name: 'access: GET /access with ETag hit (304)',
      value: round(cached.rps, 0),
      unit: 'req/s',
      goal: '≥ 10× GET /access gzip',
      met: cached.rps >= 10 * gzip.rps,
      baseline:
        `${floorText(cached, floors.cached)}; ${round(cached.rps / gzip.rps, 2)}× the gzip figure` +
        (cached.rps >= 10 * gzip.rps
          ? ''
          : `; missed: 10× is ${fmt(10 * gzip.rps)} req/s, ${10 * gzip.rps > floors.cached.rps ? 'above what a bare node:http server answering 304 does on this machine' : 'below the bare node:http 304 floor: the per-request auth and routing limit it'}`),
      ratio: round(cached.rps / floors.cached.rps, 2),
    },
    {
      name: 'access: GET /access/catalog (2,000 apps, 200 data sources), accept-encoding: gzip',
      value: round(catalogGzip.rps, 0),
      unit: 'req/s',
      goal: 'report',
      met: true,
      baseline: `${load}; ${cpu(catalogGzip)}; one shared resource, asked for again only when /access names another catalog`,
    },
  ];
}
