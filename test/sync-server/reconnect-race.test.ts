/**
 * A live edit made while a client reconnects can reach the server before the client's catch-up (the
 * step 2 answering the server's step 1, which carries what it wrote offline) and depend on it. It must
 * be held and applied after the catch-up, not refused as incomplete (which ended the client for good —
 * first seen in the cluster tests: clients editing on through their reconnects were closed with 4422).
 * Held updates the catch-up does not complete are still refused, at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { CLOSE, decodeMessage, encodeStep1, encodeStep2, encodeUpdate, readState } from '../../core/index.ts';
import { run, setup, startServer, type TestServer, until } from './helpers.ts';
import { openRawSyncClient } from './raw-sync-client.ts';

let t: TestServer;
let admin: string;

beforeAll(async () => {
  t = await startServer();
  admin = await setup(t);
});
afterAll(() => t.close());

async function serverDoc(): Promise<Y.Doc> {
  const c = await openRawSyncClient(t, 'acme', admin);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(c.doc));
  c.close();
  return doc;
}

const groupNamesOf = (doc: Y.Doc) => [...readState(doc).groups.values()].map((g) => g.name);

/** An offline edit, then a live edit that depends on it (a rename of the group the offline edit made). */
async function offlineThenLive(name: string) {
  const doc = await serverDoc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  const id = run(doc, { type: 'group.create', name })!;
  const offline = Y.mergeUpdates(updates.splice(0));
  run(doc, { type: 'group.rename', groupId: id, name: `${name} renamed` });
  const live = Y.mergeUpdates(updates.splice(0));
  return { doc, offline, live };
}

/**
 * Reconnects as y-websocket does, except that the live edit goes out before the answer to the server's
 * step 1: step 1, the live update, then (on the server's step 1) the catch-up `catchUp(serverSv)`.
 */
async function reconnect(live: Uint8Array, catchUp: (serverSv: Uint8Array) => Uint8Array) {
  const ws = new WebSocket(`${t.wsUrl}/acme?token=${encodeURIComponent(admin)}`);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (raw: Buffer) => {
    const msg = decodeMessage(new Uint8Array(raw));
    // The answer takes a network round trip: the live update is at the server well before it.
    if (msg?.kind === 'step1') setTimeout(() => ws.send(encodeStep2(catchUp(msg.stateVector))), 150);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(encodeStep1(Y.encodeStateVector(new Y.Doc())));
  ws.send(encodeUpdate(live));
  return { ws, closed };
}

describe('a live edit that overtakes its own catch-up', () => {
  it('is applied after the catch-up; the client stays connected', async () => {
    const { doc, live } = await offlineThenLive('Offline');
    const c = await reconnect(live, (sv) => Y.encodeStateAsUpdate(doc, sv));
    let code: number | null = null;
    void c.closed.then((x) => {
      code = x;
    });
    await until(async () => groupNamesOf(await serverDoc()).includes('Offline renamed'), 5000, 'the edit');
    expect(groupNamesOf(await serverDoc())).not.toContain('Offline');
    await new Promise((r) => setTimeout(r, 300));
    expect(code).toBeNull();
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();
  });

  it('is refused right after a catch-up that does not hold what it depends on', async () => {
    const { live } = await offlineThenLive('Never sent');
    const started = Date.now();
    const c = await reconnect(live, () => Y.encodeStateAsUpdate(new Y.Doc()));
    expect(await c.closed).toBe(CLOSE.rejected);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(groupNamesOf(await serverDoc()).some((n) => n.startsWith('Never sent'))).toBe(false);
  });
});
