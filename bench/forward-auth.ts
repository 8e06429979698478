/**
 * The forward-auth rows of `npm run bench -- decisions` (issue 14): Debian's nginx in front of a bare
 * `node:http` upstream, once proxying straight to it (the floor) and once asking Gatehouse first
 * (`auth_request` to `/api/forward-auth`, the README's config, a signed-in admin's session cookie, an app
 * of the 10,000-user workspace). Same run, same machine, the two alternated in rounds:
 * - overhead: the p50 of sequential keep-alive requests through each, their difference (goal ≤ 1 ms);
 * - throughput: autocannon at 50 connections through each (req/s, p50, p99).
 */
import http from 'node:http';
import { forwardAuthServer, startNginx, type TestNginx } from '../test/support/nginx.ts';
import type { Row } from './row.ts';

const ROUNDS = 10;
const PER_ROUND = 300;
const CONNECTIONS = 50;
const DURATION_S = 5;
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
const fmt = (v: number) => round(v, 0).toLocaleString('en-US');

type Autocannon = (o: object) => Promise<{
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
}>;

export interface ForwardAuthBench {
  readonly gatehousePort: number;
  readonly upstreamPort: number;
  readonly sessionToken: string;
  /** The shared secret the Gatehouse server was started with (FORWARD_AUTH_SECRET). */
  readonly secret: string;
  /** An app slug of the workspace: its pattern is `https://apps.corp.example/<slug>/*`. */
  readonly appSlug: string;
  readonly workspace: string;
}

function get(
  agent: http.Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function forwardAuthRows(o: ForwardAuthBench): Promise<Row[]> {
  const upstream = `127.0.0.1:${o.upstreamPort}`;
  let direct: TestNginx | null = null;
  let guarded: TestNginx | null = null;
  try {
    direct = await startNginx((port) =>
      forwardAuthServer(port, {
        gatehouse: `127.0.0.1:${o.gatehousePort}`,
        upstream,
        query: '',
        direct: true,
      }),
    );
    guarded = await startNginx((port) =>
      forwardAuthServer(port, {
        gatehouse: `127.0.0.1:${o.gatehousePort}`,
        upstream,
        query: `ws=${o.workspace}`,
        authHeaders: { 'X-Gatehouse-Proxy-Secret': o.secret },
        publicProto: 'https',
        publicHost: 'apps.corp.example',
      }),
    );
    const path = `/${o.appSlug}/reports`;
    const headers = { cookie: `gatehouse_session=${o.sessionToken}` };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const check = await get(agent, guarded.port, path, headers);
    if (check !== 200) throw new Error(`forward auth answered ${check}:\n${guarded.errorLog()}`);
    const times = { direct: [] as number[], guarded: [] as number[] };
    for (let r = 0; r < ROUNDS; r++)
      for (const [name, port] of [
        ['direct', direct.port],
        ['guarded', guarded.port],
      ] as const)
        for (let i = 0; i < PER_ROUND; i++) {
          const t = performance.now();
          await get(agent, port, path, headers);
          if (r > 0) times[name].push(performance.now() - t); // round 0 warms up
        }
    agent.destroy();
    const p50Direct = median(times.direct);
    const p50Guarded = median(times.guarded);
    const overhead = p50Guarded - p50Direct;

    const { default: autocannon } = (await import('autocannon' as string)) as { default: Autocannon };
    const cannon = (port: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}${path}`,
        headers,
        connections: CONNECTIONS,
        duration: DURATION_S,
        workers: 2,
      });
    await cannon(guarded.port); // warm-up, not measured
    const loadGuarded = await cannon(guarded.port);
    const loadDirect = await cannon(direct.port);
    console.log('forward auth', { p50Direct, p50Guarded, loadGuarded, loadDirect });
    const ratio = loadGuarded.requests.average / loadDirect.requests.average;
    return [
      {
        name: 'forward auth: overhead through nginx (auth_request to Gatehouse), p50 of sequential requests',
        value: round(overhead, 3),
        unit: 'ms',
        goal: '≤ 1 ms',
        met: overhead <= 1,
        floor: `nginx proxying directly to the same bare node:http upstream: p50 ${round(p50Direct, 3)} ms`,
        baseline: `through forward auth: p50 ${round(p50Guarded, 3)} ms; ${(ROUNDS - 1) * PER_ROUND} keep-alive requests each, alternated in rounds; a signed-in admin's session cookie, an app of the 10,000-user workspace`,
      },
      {
        name: 'forward auth: requests/s through nginx with auth_request, 50 connections',
        value: round(loadGuarded.requests.average, 0),
        unit: 'req/s',
        goal: 'none (informative)',
        met: true,
        ratio: round(ratio, 2),
        floor: `nginx proxying directly, same load: ${fmt(loadDirect.requests.average)} req/s, p50 ${loadDirect.latency.p50} ms, p99 ${loadDirect.latency.p99} ms`,
        baseline: `autocannon, ${CONNECTIONS} connections, 2 worker threads, ${DURATION_S} s; p50 ${loadGuarded.latency.p50} ms, p99 ${loadGuarded.latency.p99} ms; non-2xx ${loadGuarded.non2xx}`,
      },
    ];
  } finally {
    await guarded?.stop();
    await direct?.stop();
  }
}
