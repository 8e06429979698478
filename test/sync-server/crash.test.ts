/**
 * Crash: the server (a child process) is killed with SIGKILL during a write storm from 10 clients, then
 * restarted on the same data: every update any client received from the server is still there, and all
 * clients converge.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import {
  api,
  type Client,
  connect,
  groupNames,
  PASSWORD,
  run,
  synced,
  type TestServer,
  tempDir,
  until,
} from './helpers.ts';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function startChild(
  dataDir: string,
  port: number,
): Promise<{ child: ChildProcess; setupToken: string | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
    // SQLite in dataDir even where DATABASE_URL names a server for the PostgreSQL suites.
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    const check = async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (r.ok) {
          clearTimeout(timer);
          await new Promise((r) => setTimeout(r, 50));
          resolve({ child, setupToken: /token=([\w-]+)/.exec(out)?.[1] ?? null });
          return;
        }
      } catch {}
      if (child.exitCode === null) setTimeout(check, 50);
    };
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    void check();
  });
}

it('loses nothing any client received when killed with SIGKILL mid-storm', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = { url, wsUrl: `ws://127.0.0.1:${port}/sync` } as TestServer;
  const first = await startChild(dataDir, port);
  const setup = await api(url, 'POST', '/api/setup', {
    body: {
      token: first.setupToken,
      workspace: { name: 'Crash', slug: 'crash' },
      admin: { email: 'admin@crash.test', name: 'Admin', password: PASSWORD },
    },
  });
  expect(setup.status).toBe(201);
  const token = setup.body.token;

  const clients: Client[] = Array.from({ length: 10 }, () => connect(t, 'crash', token));
  await Promise.all(clients.map((c) => synced(c, 10_000)));
  let storming = true;
  const storm = clients.map(async (c, i) => {
    for (let n = 0; storming; n++) {
      run(c.doc, { type: 'group.create', name: `c${i}-${n}` });
      await new Promise((r) => setTimeout(r, 3 + Math.random() * 5));
    }
  });
  await new Promise((r) => setTimeout(r, 800));
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  storming = false;
  await Promise.all(storm);

  // What each client received from the server: groups created by other clients.
  const received = new Set<string>();
  clients.forEach((c, i) => {
    for (const name of groupNames(c.doc)) if (!name.startsWith(`c${i}-`)) received.add(name);
  });
  expect(received.size).toBeGreaterThan(0);

  await startChild(dataDir, port);
  // A fresh client sees everything that had been relayed before the crash.
  const fresh = connect(t, 'crash', token);
  await synced(fresh, 10_000);
  const afterRestart = new Set(groupNames(fresh.doc));
  const missing = [...received].filter((n) => !afterRestart.has(n));
  expect(missing).toEqual([]);
  // And every client converges (their offline edits included).
  const all = new Set(clients.flatMap((c) => groupNames(c.doc)));
  await until(
    () => clients.every((c) => c.provider.synced) && groupNames(fresh.doc).length >= all.size,
    20_000,
    'convergence',
  );
  const final = groupNames(fresh.doc);
  for (const c of clients)
    await until(() => groupNames(c.doc).length === final.length, 10_000, 'client convergence');
  for (const c of clients) expect(groupNames(c.doc)).toEqual(final);
  for (const c of [...clients, fresh]) c.destroy();
}, 90_000);
