/**
 * What was per process works across instances (issue 12): a logout on one instance closes the session's
 * sync sockets on another at once (not at the next credential recheck); an `/access/events` stream on one
 * instance hears a change committed on another; wrong passwords count towards one lock-out whichever
 * instance they reach.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, connect, login, PASSWORD, synced, until } from '../sync-server/helpers.ts';
import { type Cluster, setupWorkspace, startCluster } from './harness.ts';

let c: Cluster;
let token: string;
beforeAll(async () => {
  c = await startCluster(3);
  token = await setupWorkspace(c, 'cross');
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it('a logout on instance 0 closes the same session’s socket on instance 1 at once', async () => {
  const session = await login(c.instances[0]!.server, 'admin@cross.test');
  const client = connect(c.instances[1]!.server, 'cross', session);
  await synced(client, 15_000);
  const started = Date.now();
  const out = await api(c.instances[0]!.url, 'POST', '/api/logout', { token: session });
  expect(out.status).toBeLessThan(300);
  await until(() => client.closes.length > 0, 5_000, 'socket closed on the other instance');
  expect(Date.now() - started).toBeLessThan(5_000); // the credential recheck is 30 s
  client.destroy();
}, 30_000);

it('an /access/events stream on instance 2 hears a change committed on instance 0', async () => {
  const ac = new AbortController();
  const res = await fetch(`${c.instances[2]!.url}/api/workspaces/cross/access/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  const events = () => (text.match(/event: (access|catalog)/g) ?? []).length;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += new TextDecoder().decode(value);
    }
  })();
  await until(() => events() > 0, 10_000, 'the first event');
  const before = events();
  // A new app changes the catalog every member's view names.
  const made = await api(c.instances[0]!.url, 'POST', '/api/workspaces/cross/apps', {
    token,
    body: { name: 'Made on zero' },
  });
  expect(made.status).toBe(201);
  await until(() => events() > before, 10_000, 'an event after the commit on instance 0');
  ac.abort();
  await pump;
}, 30_000);

it('wrong passwords count towards one lock-out across instances', async () => {
  const email = 'admin@cross.test';
  let limited = -1;
  for (let n = 0; n < 14 && limited < 0; n++) {
    const r = await api(c.instances[n % 3]!.url, 'POST', '/api/login', {
      body: { email, password: 'wrong wrong wrong' },
    });
    if (r.status === 429) limited = n;
    else expect(r.status).toBe(401);
    await new Promise((r) => setTimeout(r, 20)); // pub/sub is about a millisecond
  }
  // 10 per IP+email per minute, whichever instance counted them.
  expect(limited).toBe(10);
  const right = await api(c.instances[1]!.url, 'POST', '/api/login', { body: { email, password: PASSWORD } });
  expect(right.status).toBe(429);
}, 30_000);
