/**
 * Attacks on what checkChange / validateChanges / repair do not look at: whole nested maps replaced,
 * unread meta fields, catch-ups (sync step 2) whose rule breaks repair does not restore, client-chosen
 * creation times that decide who "wins" in repair, two new users with one email in one update, and an
 * update of an admin that was demoted earlier in the same batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readState, type WorkspaceState } from '../../core/index.ts';
import { addMemberRaw } from '../fixtures/raw-writes.ts';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';
import { openRawSyncClient } from './raw-sync-client.ts';

let t: TestServer;
let admin: string;
let ids: { adminGroup: string; hr: string; archived: string; endUser: string };

type YMap = Y.Map<unknown>;
const entity = (doc: Y.Doc, collection: string, id: string) => doc.getMap(collection).get(id) as YMap;
const byRole = (s: WorkspaceState, role: string) =>
  [...s.groups.values()].find((g) => g.kind === 'default' && g.role === role)!.id;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serverState(): Promise<WorkspaceState> {
  const c = await openRawSyncClient(t, 'acme', admin);
  const s = readState(c.doc);
  c.close();
  return s;
}
async function rawDoc(): Promise<Y.Doc> {
  const c = await openRawSyncClient(t, 'acme', admin);
  const d = c.doc;
  c.close();
  return d;
}

beforeAll(async () => {
  t = await startServer({ maxMessagesPerSecond: 100_000 });
  admin = await setup(t, 'acme');
  const hr = await api(t.url, 'POST', '/api/workspaces/acme/groups', { token: admin, body: { name: 'HR' } });
  const gone = await addUser(t, admin, 'acme', 'gone@acme.test', 'end-user');
  await api(t.url, 'POST', `/api/workspaces/acme/users/${gone.userId}/archive`, { token: admin });
  const eu = await addUser(t, admin, 'acme', 'eu@acme.test', 'end-user');
  const s = await serverState();
  ids = { adminGroup: byRole(s, 'admin'), hr: hr.body.group.id, archived: gone.userId, endUser: eu.userId };
});
afterAll(() => t.close());

describe('nested maps replaced whole', () => {
  it("replacing the Admin group's grants map with an empty one is refused (Admin is not editable)", async () => {
    const before = [...(await serverState()).groups.get(ids.adminGroup)!.grants.keys()];
    const c = await openRawSyncClient(t, 'acme', admin);
    const v = await c.write((doc) => entity(doc, 'groups', ids.adminGroup).set('grants', new Y.Map()));
    c.close();
    const after = [...(await serverState()).groups.get(ids.adminGroup)!.grants.keys()];
    expect({ accepted: v.accepted, grants: after }).toEqual({ accepted: false, grants: before });
  });

  it("replacing a custom group's grants map drops its permissions without tombstones: refused", async () => {
    const g = await api(t.url, 'POST', `/api/workspaces/acme/groups/${ids.hr}/grants`, {
      token: admin,
      body: { name: 'View all', resourceType: 'app', scope: 'all', level: 'view' },
    });
    expect(g.status).toBeLessThan(300);
    const c = await openRawSyncClient(t, 'acme', admin);
    const v = await c.write((doc) => entity(doc, 'groups', ids.hr).set('grants', new Y.Map()));
    c.close();
    const s = await serverState();
    const grants = [...s.groups.get(ids.hr)!.grants.values()];
    // Secure: refused like a removed grant key ("permissions are deleted with a tombstone").
    expect({ accepted: v.accepted, grants: grants.length }).toEqual({ accepted: false, grants: 1 });
  });
});

describe('meta fields checkChange does not read', () => {
  it('meta.schemaVersion cannot be set to arbitrary junk (a nested map of 20,000 keys)', async () => {
    const c = await openRawSyncClient(t, 'acme', admin);
    const v = await c.write((doc) =>
      doc.transact(() => {
        const junk = new Y.Map<unknown>();
        doc.getMap('meta').set('schemaVersion', junk);
        for (let i = 0; i < 20_000; i++) junk.set(`k${i}`, 'x'.repeat(10));
      }),
    );
    c.close();
    const d = await rawDoc();
    const sv = d.getMap('meta').get('schemaVersion');
    expect({ accepted: v.accepted, isNumber: typeof sv === 'number' }).toEqual({
      accepted: false,
      isNumber: true,
    });
  });
});

describe('catch-up (sync step 2) that repair does not restore', () => {
  it('an archived user added to a group by a catch-up does not stay a member (REST refuses it)', async () => {
    const c = await openRawSyncClient(t, 'acme', admin);
    const v = await c.write((doc) => addMemberRaw(doc, ids.hr, ids.archived), { asStep2: true });
    c.close();
    await sleep(300);
    const s = await serverState();
    const member = s.groups.get(ids.hr)!.members.has(ids.archived);
    // Secure: refused, or repaired (removed, with a conflict record).
    expect(v.accepted && member).toBe(false);
  });
});

describe('strict (live) gaps', () => {
  it('two new users with one email in one live update are refused (REST never makes two)', async () => {
    const c = await openRawSyncClient(t, 'acme', admin);
    const v = await c.write((doc) => {
      for (const id of ['twin-a', 'twin-b']) {
        const m = new Y.Map<unknown>();
        doc.getMap('users').set(id, m);
        m.set('email', 'twin@acme.test');
        m.set('name', 'Twin');
        m.set('role', 'end-user');
        m.set('status', 'invited');
        m.set('createdAt', Date.now());
      }
    });
    c.close();
    expect(v.accepted).toBe(false);
  });
});

describe('several updates in one batch', () => {
  it('an update from an admin demoted earlier in the same batch is refused', async () => {
    const x = await addUser(t, admin, 'acme', 'x2@acme.test', 'admin');
    const yc = await openRawSyncClient(t, 'acme', admin);
    const xc = await openRawSyncClient(t, 'acme', x.token);
    // Y demotes X; X (at the same moment) promotes an end-user to admin.
    const demote = (() => {
      const d = new Y.Doc();
      Y.applyUpdate(d, Y.encodeStateAsUpdate(yc.doc));
      const sv = Y.encodeStateVector(d);
      entity(d, 'users', x.userId).set('role', 'end-user');
      return Y.encodeStateAsUpdate(d, sv);
    })();
    const promote = (() => {
      const d = new Y.Doc();
      Y.applyUpdate(d, Y.encodeStateAsUpdate(xc.doc));
      const sv = Y.encodeStateVector(d);
      entity(d, 'users', ids.endUser).set('role', 'admin');
      return Y.encodeStateAsUpdate(d, sv);
    })();
    const p1 = yc.sendUpdate(demote);
    await new Promise((r) => setImmediate(r));
    const p2 = xc.sendUpdate(promote);
    const [v1] = await Promise.all([p1, p2]);
    expect(v1.accepted).toBe(true);
    await sleep(300);
    const s = await serverState();
    yc.close();
    xc.close();
    // Order of the two commits, from the audit log (newest first): X's promotion came after X's demotion.
    const audit = await api(t.url, 'GET', '/api/workspaces/acme/audit?entity=users&limit=20', {
      token: admin,
    });
    const entries = audit.body.entries as { actor: { email: string } | null; entities: { id: string }[] }[];
    const demotedAt = entries.findIndex(
      (e) => e.entities.some((x2) => x2.id === x.userId) && e.actor?.email === 'admin@acme.test',
    );
    const promotedAt = entries.findIndex(
      (e) => e.entities.some((x2) => x2.id === ids.endUser) && e.actor?.email === 'x2@acme.test',
    );
    if (promotedAt >= 0) expect(promotedAt).toBeLessThan(demotedAt); // newest first: promotion is newer
    expect({ x: s.users.get(x.userId)!.role, eu: s.users.get(ids.endUser)!.role }).toEqual({
      x: 'end-user',
      eu: 'end-user',
    });
  });
});
