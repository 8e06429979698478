/**
 * Attack: an update that touches more than 1,000 entities. describeChanges caps its list at 1,000, and the
 * audit row, the post-commit hook (memberships projection, session/API-token revocation) and the sockets'
 * recheck all read that capped list. A user change placed after 1,000 padding entities is invisible to all
 * of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readState } from '../../core/index.ts';
import { addUser, api, login, setup, startServer, type TestServer } from './helpers.ts';
import { openRawSyncClient, type RawSyncClient } from './raw-sync-client.ts';

let t: TestServer;
let admin: string;
let x: { userId: string; token: string };
let crony: { userId: string; token: string };

type YMap = Y.Map<unknown>;
const entity = (doc: Y.Doc, collection: string, id: string) => doc.getMap(collection).get(id) as YMap;

function padApps(doc: Y.Doc, n: number, prefix: string) {
  const apps = doc.getMap('apps');
  for (let i = 0; i < n; i++) {
    const m = new Y.Map<unknown>();
    apps.set(`${prefix}-${i}`, m);
    m.set('name', `${prefix} app ${i}`);
    m.set('slug', `${prefix}-app-${i}`);
    m.set('urlPatterns', []);
    m.set('createdAt', Date.now());
  }
}

beforeAll(async () => {
  t = await startServer({ maxMessagesPerSecond: 100_000 });
  admin = await setup(t, 'acme');
  x = await addUser(t, admin, 'acme', 'x@acme.test', 'admin');
  crony = await addUser(t, admin, 'acme', 'crony@acme.test', 'end-user');
});
afterAll(() => t.close());

describe('an update touching 1,000+ entities', () => {
  let xSocket: RawSyncClient;
  it('archiving an admin behind 1,000 new apps is audited, revokes their session and closes their socket', async () => {
    xSocket = await openRawSyncClient(t, 'acme', x.token);
    const c = await openRawSyncClient(t, 'acme', admin);
    const rowsForX = async () =>
      (await api(t.url, 'GET', `/api/workspaces/acme/audit?entity=${x.userId}`, { token: admin })).body
        .entries.length as number;
    const rowsBefore = await rowsForX();
    const verdict = await c.write((doc) => {
      padApps(doc, 1000, 'pad');
      entity(doc, 'users', x.userId).set('status', 'archived');
    });
    expect(verdict.accepted).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const s = readState(c.doc);
    expect(s.users.get(x.userId)!.status).toBe('archived');

    // A new audit row that records X's archive.
    const auditMentionsX = (await rowsForX()) > rowsBefore;
    const me = await api(t.url, 'GET', '/api/me', { token: x.token });
    const socketClosed = xSocket.closed;
    // Secure behaviour: all three hold.
    expect({ auditMentionsX, meStatus: me.status, socketClosed }).toEqual({
      auditMentionsX: true,
      meStatus: 401,
      socketClosed: true,
    });
  });

  it('the archived admin cannot keep editing through the socket that stayed open', async () => {
    if (xSocket.closed) return;
    const verdict = await xSocket.write((doc) => {
      entity(doc, 'users', crony.userId).set('role', 'admin');
    });
    const c = await openRawSyncClient(t, 'acme', admin);
    const role = readState(c.doc).users.get(crony.userId)!.role;
    c.close();
    expect({ accepted: verdict.accepted, role }).toEqual({ accepted: false, role: 'end-user' });
  });

  it('promoting a user to admin hidden behind 1,000 padding entities still shows in the audit log', async () => {
    const c = await openRawSyncClient(t, 'acme', admin);
    const cronyEmail = 'crony@acme.test';
    // a fresh end-user to promote
    const victim = await addUser(t, admin, 'acme', 'hidden@acme.test', 'end-user');
    await new Promise((r) => setTimeout(r, 100));
    const c2 = await openRawSyncClient(t, 'acme', admin);
    const verdict = await c2.write((doc) => {
      padApps(doc, 1000, 'pad2');
      entity(doc, 'users', victim.userId).set('role', 'admin');
    });
    expect(verdict.accepted).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const audit = await api(t.url, 'GET', `/api/workspaces/acme/audit?entity=${victim.userId}`, {
      token: admin,
    });
    const text = JSON.stringify(audit.body);
    // Secure: an audit row records the role change of this user (fields include "role").
    const hasRoleRow = /"fields":\[[^\]]*"role"/.test(text);
    expect(hasRoleRow).toBe(true);
    // The role change ended the promoted user's sessions (SPEC §7); signed in again, /api/me shows it
    // (the memberships projection saw the change too).
    expect((await api(t.url, 'GET', '/api/me', { token: victim.token })).status).toBe(401);
    const again = await login(t, 'hidden@acme.test');
    const me = await api(t.url, 'GET', '/api/me', { token: again });
    expect(JSON.stringify(me.body)).toContain('"role":"admin"');
    c.close();
    c2.close();
    void cronyEmail;
  });
});
