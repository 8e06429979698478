/**
 * Two servers in one process share no module state: each has its own connection registry, access-view
 * cache and event-stream counts (ServerContext). Ending a session on one closes that server's socket and
 * stream only; the other's registries, caches and sockets are untouched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readState } from '../../core/index.ts';
import { api, type Client, connect, setup, startServer, synced, type TestServer, until } from './helpers.ts';

const W = '/api/workspaces/acme';

interface Signed {
  readonly t: TestServer;
  readonly token: string;
  readonly accountId: string;
  readonly client: Client;
  readonly stream: { readonly text: () => string; readonly done: () => boolean; abort(): void };
}

/** Sets up `acme` on `t`, then opens a sync socket, an `/access/events` stream and reads `/access`. */
async function signIn(t: TestServer): Promise<Signed> {
  const token = await setup(t, 'acme');
  const me = await api(t.url, 'GET', '/api/me', { token });
  const client = connect(t, 'acme', token);
  await synced(client);
  const ac = new AbortController();
  const res = await fetch(`${t.url}${W}/access/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  const reader = res.body!.getReader();
  let text = '';
  let done = false;
  void (async () => {
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        text += new TextDecoder().decode(r.value);
      }
    } catch {
      // aborted
    }
    done = true;
  })();
  await until(() => text.includes('event: access'), 5000, 'first access event');
  expect((await api(t.url, 'GET', `${W}/access`, { token })).status).toBe(200);
  return {
    t,
    token,
    accountId: me.body.account.id,
    client,
    stream: { text: () => text, done: () => done, abort: () => ac.abort() },
  };
}

/** What one server's context holds for `who`. */
function registries(who: Signed) {
  const { ctx } = who.t.server;
  return {
    connections: ctx.connections.size,
    eventStreams: ctx.eventStreams.of(who.accountId),
    accessViews: ctx.accessViews.stats().entries,
  };
}

describe('two servers in one process', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('logging out on one closes its socket and stream only; the other’s registries and sockets are untouched', async () => {
    const a = await startServer();
    const b = await startServer();
    open.push(a, b);
    const onA = await signIn(a);
    const onB = await signIn(b);
    const held = { connections: 2, eventStreams: 1, accessViews: 1 };
    expect(registries(onA)).toEqual(held);
    expect(registries(onB)).toEqual(held);
    expect(a.server.ctx.connections).not.toBe(b.server.ctx.connections);
    expect(a.server.ctx.accessViews).not.toBe(b.server.ctx.accessViews);

    expect((await api(a.url, 'POST', '/api/logout', { token: onA.token })).status).toBe(204);
    await until(() => onA.client.closes.some((c) => c.code === 4401), 5000, 'A’s socket closed');
    await until(() => onA.stream.done(), 5000, 'A’s stream ended');
    expect(onA.stream.text()).toContain('event: revoked');
    expect(registries(onA)).toEqual({ connections: 0, eventStreams: 0, accessViews: 1 });

    // B: nothing closed, nothing forgotten.
    await new Promise((r) => setTimeout(r, 300));
    expect(onB.client.closes).toEqual([]);
    expect(onB.client.provider.wsconnected).toBe(true);
    expect(onB.stream.done()).toBe(false);
    expect(registries(onB)).toEqual(held);
    expect((await api(b.url, 'GET', '/api/me', { token: onB.token })).status).toBe(200);

    // Clearing A's cache leaves B's; and B still relays its own commits to its socket.
    a.server.ctx.accessViews.clear();
    expect(b.server.ctx.accessViews.stats().entries).toBe(1);
    const created = await api(b.url, 'POST', `${W}/groups`, { token: onB.token, body: { name: 'Ops' } });
    expect(created.status).toBe(201);
    await until(() => [...readState(onB.client.doc).groups.values()].some((g) => g.name === 'Ops'));

    onA.client.destroy();
    onB.client.destroy();
    onA.stream.abort();
    onB.stream.abort();
  });
});
