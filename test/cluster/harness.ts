/**
 * The cluster tests' world: a throwaway PostgreSQL and Redis (test/support/), and N Gatehouse instances as
 * real child processes (`sync-server/main.ts`) over them, each on its own port; an instance can be
 * SIGKILLed and started again, with crash points (sync-server/cluster/crash-points.ts) set by env.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import * as Y from 'yjs';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { freePort, startRedis, type TestRedis } from '../support/redis.ts';
import { api, PASSWORD, type TestServer } from '../sync-server/helpers.ts';

export interface Instance {
  readonly port: number;
  readonly url: string;
  readonly server: TestServer;
  child: ChildProcess;
  output: string;
}

export interface Cluster {
  readonly postgres: TestPostgres;
  readonly redis: TestRedis;
  readonly databaseUrl: string;
  readonly instances: Instance[];
  /** Starts (or restarts) instance i, with extra env. */
  start(i: number, env?: Record<string, string>): Promise<Instance>;
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** The stored doc rebuilt from PostgreSQL (snapshot + updates). */
  storedDoc(slug: string): Promise<Y.Doc>;
  /** The number of rows in doc_updates + whether a snapshot exists, and head_seq. */
  head(slug: string): Promise<number>;
  metrics(i: number): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startCluster(n: number, env: Record<string, string> = {}): Promise<Cluster> {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const databaseUrl = await postgres.createDatabase();
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const instances: Instance[] = [];
  const start = (i: number, extra: Record<string, string> = {}) =>
    new Promise<Instance>((resolve, reject) => {
      const port = ports[i]!;
      const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          REDIS_URL: redis.url,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          CLUSTER_HEAD_POLL_MS: '1000',
          DOC_GRACE_MS: '60000',
          ...env,
          ...extra,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const url = `http://127.0.0.1:${port}`;
      const inst: Instance = {
        port,
        url,
        server: { url, wsUrl: `ws://127.0.0.1:${port}/sync` } as TestServer,
        child,
        output: '',
      };
      child.stdout!.on('data', (d) => {
        inst.output += d;
      });
      child.stderr!.on('data', (d) => {
        inst.output += d;
      });
      instances[i] = inst;
      const timer = setTimeout(
        () => reject(new Error(`instance ${i} did not start: ${inst.output}`)),
        30_000,
      );
      const check = async () => {
        try {
          const r = await fetch(`${url}/healthz`);
          if (r.ok) {
            clearTimeout(timer);
            resolve(inst);
            return;
          }
        } catch {}
        if (child.exitCode === null) setTimeout(check, 50);
        else {
          clearTimeout(timer);
          reject(new Error(`instance ${i} exited: ${inst.output}`));
        }
      };
      void check();
    });
  const kill = async (i: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const c = instances[i]?.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  const query = async <T>(sql: string, params: unknown[]): Promise<T[]> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  for (let i = 0; i < n; i++) await start(i);
  return {
    postgres,
    redis,
    databaseUrl,
    instances,
    start,
    kill,
    async storedDoc(slug) {
      const rows = await query<{ data: Buffer }>(
        `SELECT data FROM (
           SELECT 0 AS k, 0::bigint AS seq, s.data FROM doc_snapshots s JOIN workspaces w ON w.id = s.workspace_id WHERE w.slug = $1
           UNION ALL
           SELECT 1, u.seq, u.data FROM doc_updates u JOIN workspaces w ON w.id = u.workspace_id WHERE w.slug = $1
         ) t ORDER BY k, seq`,
        [slug],
      );
      const doc = new Y.Doc();
      for (const r of rows) Y.applyUpdate(doc, new Uint8Array(r.data));
      return doc;
    },
    async head(slug) {
      const rows = await query<{ head_seq: string }>('SELECT head_seq FROM workspaces WHERE slug = $1', [
        slug,
      ]);
      return Number(rows[0]?.head_seq ?? 0);
    },
    async metrics(i) {
      const text = await (await fetch(`${instances[i]!.url}/metrics`)).text();
      const out: Record<string, number> = {};
      for (const line of text.split('\n')) {
        const m = /^(\w+) ([\d.e+-]+)$/.exec(line);
        if (m) out[m[1]!] = Number(m[2]);
      }
      return out;
    },
    async stop() {
      for (let i = 0; i < instances.length; i++) await kill(i);
      await redis.stop();
      await postgres.stop();
    },
  };
}

/** First-run setup through instance 0; returns the admin's session token. */
export async function setupWorkspace(c: Cluster, slug: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (!/token=/.test(c.instances[0]!.output) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const token = /token=([\w-]+)/.exec(c.instances[0]!.output)?.[1];
  const setup = await api(c.instances[0]!.url, 'POST', '/api/setup', {
    body: {
      token,
      workspace: { name: slug.toUpperCase(), slug },
      admin: { email: `admin@${slug}.test`, name: 'Admin', password: PASSWORD },
    },
  });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${JSON.stringify(setup.body)}`);
  return setup.body.token as string;
}

/**
 * A new workspace made by the admin of `token` through instance `i` (a fresh, small doc: each case of a
 * file can storm its own).
 */
export async function createWorkspace(c: Cluster, token: string, slug: string, i = 0): Promise<string> {
  const r = await api(c.instances[i]!.url, 'POST', '/api/workspaces', {
    token,
    body: { name: slug.toUpperCase(), slug },
  });
  if (r.status !== 201) throw new Error(`create workspace: ${r.status} ${JSON.stringify(r.body)}`);
  return slug;
}

/** `SELECT count(*) AS n …` in the cluster's database. */
export async function countRows(databaseUrl: string, sql: string, params: unknown[] = []): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query(sql, params)).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Audit rows in the cluster's database (of one action, or all). */
export function auditCount(databaseUrl: string, action?: string): Promise<number> {
  return action
    ? countRows(databaseUrl, 'SELECT count(*) AS n FROM audit WHERE action = $1', [action])
    : countRows(databaseUrl, 'SELECT count(*) AS n FROM audit');
}
