import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  CLOSE,
  encodeStep1,
  encodeStep2,
  encodeUpdate,
  MESSAGE_SYNC,
  readState,
  SYNC_STEP1,
  SYNC_STEP2,
} from '../../core/index.ts';
import {
  addUser,
  api,
  connect,
  groupNames,
  run,
  setup,
  startServer,
  synced,
  type TestServer,
  until,
} from './helpers.ts';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function start(config = {}) {
  const t = await startServer(config);
  servers.push(t);
  return t;
}

describe('sync endpoint', () => {
  it('loads stored state before the first sync, and two clients converge', async () => {
    const t = await start();
    const token = await setup(t);
    const a = connect(t, 'acme', token);
    const b = connect(t, 'acme', token);
    await Promise.all([synced(a), synced(b)]);
    // Stored state is there on first sync: the default groups and the admin.
    expect(readState(a.doc).users.size).toBe(1);
    run(a.doc, { type: 'group.create', name: 'HR' });
    run(b.doc, { type: 'group.create', name: 'Sales' });
    await until(() => groupNames(a.doc).length === 2 && groupNames(b.doc).length === 2, 5000, 'convergence');
    expect(groupNames(a.doc)).toEqual(['HR', 'Sales']);
    // A REST change appears live in both.
    const r = await api(t.url, 'POST', '/api/workspaces/acme/groups', { token, body: { name: 'Ops' } });
    expect(r.status).toBe(201);
    await until(() => groupNames(a.doc).includes('Ops') && groupNames(b.doc).includes('Ops'));
    a.destroy();
    b.destroy();
  });

  it('merges an offline client on reconnect', async () => {
    const t = await start();
    const token = await setup(t);
    const a = connect(t, 'acme', token);
    const b = connect(t, 'acme', token);
    await Promise.all([synced(a), synced(b)]);
    b.provider.disconnect();
    run(b.doc, { type: 'group.create', name: 'Offline edit' });
    run(a.doc, { type: 'group.create', name: 'Online edit' });
    await until(
      async () =>
        (await api(t.url, 'GET', '/api/workspaces/acme/groups', { token })).body.groups.length === 4,
    );
    b.provider.connect();
    await until(() => groupNames(a.doc).length === 2 && groupNames(b.doc).length === 2, 5000, 'merge');
    expect(groupNames(b.doc)).toEqual(['Offline edit', 'Online edit']);
    a.destroy();
    b.destroy();
  });

  it('resumes after a restart with every client', async () => {
    const t = await start();
    const token = await setup(t);
    const a = connect(t, 'acme', token);
    await synced(a);
    run(a.doc, { type: 'group.create', name: 'Before restart' });
    await until(
      async () =>
        (await api(t.url, 'GET', '/api/workspaces/acme/groups', { token })).body.groups.length === 4,
    );
    await t.close();
    servers = servers.filter((s) => s !== t);
    const port = Number(new URL(t.url).port);
    const t2 = await start({ dataDir: t.dataDir, port });
    await until(() => a.provider.wsconnected && a.provider.synced, 10_000, 'reconnect');
    run(a.doc, { type: 'group.create', name: 'After restart' });
    const fresh = connect(t2, 'acme', token);
    await synced(fresh);
    await until(() => groupNames(fresh.doc).length === 2, 5000, 'fresh client sees both');
    expect(groupNames(fresh.doc)).toEqual(['After restart', 'Before restart']);
    a.destroy();
    fresh.destroy();
  });

  it('answers new clients from the stored snapshot after a restart, and only admins', async () => {
    const t = await start();
    const token = await setup(t);
    const builder = await addUser(t, token, 'acme', 'builder@acme.test', 'builder');
    const a = connect(t, 'acme', token);
    await synced(a);
    run(a.doc, { type: 'group.create', name: 'Stored' });
    await until(
      async () =>
        (await api(t.url, 'GET', '/api/workspaces/acme/groups', { token })).body.groups.length === 4,
    );
    a.destroy();
    await t.close(); // the doc leaves memory as one snapshot with its facts
    servers = servers.filter((s) => s !== t);
    const t2 = await start({ dataDir: t.dataDir });
    const ws = (await t2.server.ctx.storage.workspaceBySlug('acme'))!;
    const stored = await t2.server.ctx.storage.loadDoc(ws.id);
    expect(stored.updates).toHaveLength(0);
    expect(stored.snapshotInfo?.adminEmails).toEqual(['admin@acme.test']);
    // A builder is refused and sees nothing, though the doc is not loaded yet.
    const b = connect(t2, 'acme', builder.token);
    await until(() => b.closes.length > 0, 5000, 'refusal');
    expect(b.closes[0]!.code).toBe(CLOSE.forbidden);
    expect(b.doc.getMap('groups').size).toBe(0);
    b.destroy();
    await until(() => t2.server.ctx.registry.size === 0, 5000, 'doc released');
    // Two new admin clients at once, while the doc is still to be built: both synced, then live.
    const c1 = connect(t2, 'acme', token);
    const c2 = connect(t2, 'acme', token);
    await Promise.all([synced(c1), synced(c2)]);
    expect(groupNames(c1.doc)).toEqual(['Stored']);
    expect(groupNames(c2.doc)).toEqual(['Stored']);
    run(c1.doc, { type: 'group.create', name: 'Live' });
    await until(() => groupNames(c2.doc).includes('Live'), 5000, 'relay after the fast start');
    c1.destroy();
    c2.destroy();
  });

  it('answers a step 1 only after the updates sent before it went through (its step 2 is an ack)', async () => {
    const t = await start();
    const token = await setup(t);
    const doc = new Y.Doc();
    const ws = new WebSocket(`${t.wsUrl}/acme?token=${token}`);
    const received: { sub: number; at: number }[] = [];
    let synced = false;
    let closeCode = 0;
    ws.on('close', (code) => {
      closeCode = code;
    });
    ws.on('open', () => ws.send(encodeStep1(Y.encodeStateVector(doc))));
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(d) !== MESSAGE_SYNC) return;
      const sub = decoding.readVarUint(d);
      const payload = decoding.readVarUint8Array(d);
      received.push({ sub, at: Date.now() });
      if (sub === SYNC_STEP1) ws.send(encodeStep2(Y.encodeStateAsUpdate(doc, payload)));
      if (sub === SYNC_STEP2 && !synced) {
        Y.applyUpdate(doc, payload, 'server');
        synced = true;
      }
    });
    await until(() => synced, 5000, 'sync');
    const before = received.length;
    // A good update, a bad one and a step 1, in one go: the step 1 must not be answered (the bad update
    // closes the socket first), and the good one is stored.
    const good = new Y.Doc();
    Y.applyUpdate(good, Y.encodeStateAsUpdate(doc));
    const goodUpdates: Uint8Array[] = [];
    good.on('update', (u: Uint8Array) => goodUpdates.push(u));
    run(good, { type: 'group.create', name: 'Acked' });
    const bad = new Y.Doc();
    Y.applyUpdate(bad, Y.encodeStateAsUpdate(doc));
    const badUpdates: Uint8Array[] = [];
    bad.on('update', (u: Uint8Array) => badUpdates.push(u));
    bad.getMap('groups').set('junkjunkjunk', 42 as never);
    ws.send(encodeUpdate(goodUpdates[0]!));
    ws.send(encodeUpdate(badUpdates[0]!));
    ws.send(encodeStep1(Y.encodeStateVector(doc)));
    await until(() => closeCode !== 0, 5000, 'close');
    expect(closeCode).toBe(CLOSE.rejected);
    expect(received.slice(before).filter((m) => m.sub === SYNC_STEP2)).toHaveLength(0);
    const groups = await api(t.url, 'GET', '/api/workspaces/acme/groups', { token });
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toContain('Acked');
  });

  it('rejects an update that breaks the schema with 4422: never stored, never relayed', async () => {
    const t = await start();
    const token = await setup(t);
    const good = connect(t, 'acme', token);
    const bad = connect(t, 'acme', token);
    await Promise.all([synced(good), synced(bad)]);
    const before = Y.encodeStateVector(good.doc);
    bad.doc.getMap('groups').set('junk', 42 as never);
    await until(() => bad.closes.length > 0, 5000, 'close');
    expect(bad.closes[0]!.code).toBe(CLOSE.rejected);
    expect(bad.closes[0]!.reason).toMatch(/Rejected/);
    // The good client keeps syncing and never saw the junk.
    run(good.doc, { type: 'group.create', name: 'Still fine' });
    await until(
      async () =>
        (await api(t.url, 'GET', '/api/workspaces/acme/groups', { token })).body.groups.length === 4,
    );
    expect(good.doc.getMap('groups').get('junk')).toBeUndefined();
    expect(Y.encodeStateVector(good.doc)).not.toEqual(before);
    const fresh = connect(t, 'acme', token);
    await synced(fresh);
    expect(fresh.doc.getMap('groups').get('junk')).toBeUndefined();
    expect(groupNames(fresh.doc)).toEqual(['Still fine']);
    good.destroy();
    bad.destroy();
    fresh.destroy();
  });

  it('ties awareness to the authenticated user', async () => {
    const t = await start();
    const token = await setup(t);
    const a = connect(t, 'acme', token);
    const b = connect(t, 'acme', token);
    await Promise.all([synced(a), synced(b)]);
    a.provider.awareness.setLocalState({
      user: { name: 'Mallory', email: 'ceo@acme.test', color: '#f00' },
      page: 'groups',
    });
    await until(() => b.provider.awareness.getStates().has(a.doc.clientID), 5000, 'awareness');
    const seen = b.provider.awareness.getStates().get(a.doc.clientID) as {
      user: Record<string, string>;
      page: string;
    };
    expect(seen.user.email).toBe('admin@acme.test');
    expect(seen.user.name).toBe('Admin');
    expect(seen.user.color).toBe('#f00');
    expect(seen.page).toBe('groups');
    a.destroy();
    b.destroy();
  });

  it('releases docs from memory after the grace period', async () => {
    const t = await start({ docGraceMs: 100 });
    const token = await setup(t);
    const a = connect(t, 'acme', token);
    await synced(a);
    expect(t.server.ctx.registry.size).toBe(1);
    a.destroy();
    await until(() => t.server.ctx.registry.size === 0, 3000, 'release');
  });

  it('closes a connection that sends a frame over the limit', async () => {
    const t = await start({ maxFrameBytes: 64 * 1024 });
    const token = await setup(t);
    const a = connect(t, 'acme', token);
    await synced(a);
    run(a.doc, { type: 'group.create', name: 'x'.repeat(10) });
    a.doc.getMap('meta').set('blob', 'y'.repeat(100 * 1024));
    await until(() => a.closes.length > 0, 5000, 'close');
    expect([1009, CLOSE.rejected]).toContain(a.closes[0]!.code);
    a.destroy();
  });

  it('compacts the update log into a snapshot without losing anything', async () => {
    const t = await start({ compactAfterUpdates: 20 });
    const token = await setup(t);
    const a = connect(t, 'acme', token);
    await synced(a);
    for (let i = 0; i < 60; i++) run(a.doc, { type: 'group.create', name: `G${i}` });
    await until(
      async () =>
        (await api(t.url, 'GET', '/api/workspaces/acme/groups', { token })).body.groups.length === 63,
      10_000,
    );
    const ws = (await t.server.ctx.storage.workspaceBySlug('acme'))!;
    await until(
      async () => (await t.server.ctx.storage.loadDoc(ws.id)).updates.length < 20,
      5000,
      'compaction',
    );
    const stored = await t.server.ctx.storage.loadDoc(ws.id);
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u);
    expect(groupNames(doc)).toHaveLength(60);
    a.destroy();
  });
});
