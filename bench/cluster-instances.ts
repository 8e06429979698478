/**
 * The servers of `npm run bench -- cluster`: Gatehouse instances as child processes (`sync-server/main.ts`)
 * on fixed ports, so one can be SIGKILLed and started again where its clients reconnect; over SQLite, or a
 * throwaway PostgreSQL and Redis (test/support/, the test suites' own).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../test/support/redis.ts';

export interface Instance {
  readonly port: number;
  readonly url: string;
  readonly ws: string;
  child: ChildProcess;
  output: string;
}

export interface Instances {
  readonly list: Instance[];
  /** (Re)starts instance i on its port; resolves when `/healthz` answers. */
  start(i: number): Promise<Instance>;
  kill(i: number): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/** `n` instances with `env` (DATA_DIR or DATABASE_URL + REDIS_URL), each on a port of its own. */
export async function startInstances(n: number, env: Record<string, string>): Promise<Instances> {
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const list: Instance[] = [];
  const start = async (i: number): Promise<Instance> => {
    const port = ports[i]!;
    const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        MAX_MESSAGES_PER_SECOND: '100000',
        WEB_DIR: '/nonexistent',
        CLUSTER_HEAD_POLL_MS: '3000',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const inst: Instance = {
      port,
      url: `http://127.0.0.1:${port}`,
      ws: `ws://127.0.0.1:${port}/sync`,
      child,
      output: '',
    };
    child.stdout!.on('data', (d) => {
      inst.output += d;
    });
    child.stderr!.on('data', (d) => {
      inst.output += d;
    });
    list[i] = inst;
    const started = Date.now();
    for (;;) {
      try {
        if ((await fetch(`${inst.url}/healthz`)).ok) return inst;
      } catch {}
      if (child.exitCode !== null || Date.now() - started > START_TIMEOUT_MS)
        throw new Error(`instance ${i} did not start:\n${inst.output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const kill = async (i: number) => {
    const c = list[i]?.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  for (let i = 0; i < n; i++) await start(i);
  return {
    list,
    start,
    kill,
    async stop() {
      await Promise.all(
        list.map(
          (inst) =>
            new Promise<void>((resolve) => {
              const c = inst.child;
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
              setTimeout(() => c.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: setup replies, read loosely
export async function json(url: string, method: string, body?: unknown, token?: string): Promise<any> {
  const r = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = await r.json();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

/** First-run setup through the first instance (the token it printed); returns the admin's session token. */
export async function setupAdmin(instances: Instances): Promise<string> {
  const first = instances.list[0]!;
  const token = /token=([\w-]+)/.exec(first.output)?.[1];
  if (!token) throw new Error(`no setup token in:\n${first.output}`);
  const r = await json(`${first.url}/api/setup`, 'POST', {
    token,
    workspace: { name: 'Bench', slug: 'bench' },
    admin: { email: 'admin@bench.test', name: 'Admin', password: 'bench-password' },
  });
  return r.token;
}
