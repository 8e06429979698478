/**
 * Issue 8's sync findings, replayed through a real socket against a real server: an admin who writes the
 * Yjs doc by hand must not get past what REST and the commands refuse (default groups, who may activate
 * a user, formats, look-alike names), and an update that depends on items the server lacks must not wait
 * in the shadow to be merged into — and audited as — another admin's update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE, readState, type WorkspaceState } from '../../core/index.ts';
import { addMemberRaw } from '../fixtures/raw-writes.ts';
import { addUser, api, setup, startServer, type TestServer } from './helpers.ts';
import { openRawSyncClient, type RawSyncClient } from './raw-sync-client.ts';

let t: TestServer;
let admin: string;
let ids: {
  builder: string;
  endUser: string;
  adminGroup: string;
  hr: string;
  invited: string;
  archived: string;
};

type YMap = Y.Map<unknown>;
const entity = (doc: Y.Doc, collection: string, id: string) => doc.getMap(collection).get(id) as YMap;
const byRole = (s: WorkspaceState, role: string) =>
  [...s.groups.values()].find((g) => g.kind === 'default' && g.role === role)!.id;

async function serverState(): Promise<WorkspaceState> {
  const c = await openRawSyncClient(t, 'acme', admin);
  const s = readState(c.doc);
  c.close();
  return s;
}

async function client(): Promise<RawSyncClient> {
  return openRawSyncClient(t, 'acme', admin);
}

/** Sends one hand-written change as a live update; expects the socket closed with 4422 and nothing stored. */
async function expectRefused(change: (doc: Y.Doc) => void, reason: RegExp): Promise<void> {
  const before = JSON.stringify(Y.encodeStateVector((await client()).doc));
  const c = await client();
  const verdict = await c.write(change);
  expect(verdict).toMatchObject({ accepted: false, code: CLOSE.rejected });
  if (!verdict.accepted) expect(verdict.reason).toMatch(reason);
  const after = await client();
  expect(JSON.stringify(Y.encodeStateVector(after.doc))).toBe(before);
  after.close();
}

beforeAll(async () => {
  t = await startServer({ maxMessagesPerSecond: 100_000 });
  admin = await setup(t, 'acme');
  const hr = await api(t.url, 'POST', '/api/workspaces/acme/groups', { token: admin, body: { name: 'HR' } });
  const inv = await api(t.url, 'POST', '/api/workspaces/acme/users', {
    token: admin,
    body: { email: 'invited@acme.test', name: 'Ivy', role: 'end-user' },
  });
  const gone = await addUser(t, admin, 'acme', 'gone@acme.test', 'end-user');
  await api(t.url, 'POST', `/api/workspaces/acme/users/${gone.userId}/archive`, { token: admin });
  const s = await serverState();
  ids = {
    builder: byRole(s, 'builder'),
    endUser: byRole(s, 'end-user'),
    adminGroup: byRole(s, 'admin'),
    hr: hr.body.group.id,
    invited: inv.body.user.id,
    archived: gone.userId,
  };
});
afterAll(() => t.close());

describe('finding 4: the structure of the default groups cannot be changed over sync', () => {
  it('swapping the roles of Builder and End-user is refused, and every builder keeps access', async () => {
    await expectRefused((doc) => {
      entity(doc, 'groups', ids.builder).set('role', 'end-user');
      entity(doc, 'groups', ids.endUser).set('role', 'builder');
    }, /role never changes/);
    const s = await serverState();
    expect(s.groups.get(ids.builder)!.role).toBe('builder');
    expect([...s.groups.get(ids.builder)!.grants.values()].filter((g) => !g.deletedAt)).toHaveLength(2);
  });

  it('turning a custom group into the Admin group (and the Admin group into a custom one) is refused', () =>
    expectRefused((doc) => {
      const g = entity(doc, 'groups', ids.hr);
      g.set('kind', 'default');
      g.set('role', 'admin');
      const a = entity(doc, 'groups', ids.adminGroup);
      a.set('kind', 'custom');
      a.delete('role');
    }, /kind never changes|reserved|only default groups have a role/));

  it('renaming a default group is refused (as REST refuses it)', async () => {
    await expectRefused(
      (doc) => entity(doc, 'groups', ids.builder).set('name', 'Builders'),
      /default group name/,
    );
    const r = await api(t.url, 'PATCH', `/api/workspaces/acme/groups/${ids.builder}`, {
      token: admin,
      body: { name: 'Builders' },
    });
    expect(r.status).toBe(403);
  });

  it('switching off the Admin group’s flags is refused', () =>
    expectRefused((doc) => entity(doc, 'groups', ids.adminGroup).set('appCreate', false), /not editable/));

  it('a Builder permission with a custom list is refused', async () => {
    const s = await serverState();
    const grant = [...s.groups.get(ids.builder)!.grants.values()][0]!;
    await expectRefused((doc) => {
      const g = (entity(doc, 'groups', ids.builder).get('grants') as YMap).get(grant.id) as YMap;
      g.set('scope', 'custom');
    }, /all apps or all data sources/);
  });

  it('a new default group written by a client is refused', () =>
    expectRefused((doc) => {
      const m = doc.getMap('groups').set('evilDefault1', new Y.Map<unknown>());
      m.set('name', 'Admins2');
      m.set('kind', 'default');
      m.set('role', 'admin');
      m.set('createdAt', 1);
      m.set('members', new Y.Text());
      m.set('grants', new Y.Map());
    }, /created with the workspace|two default groups/));
});

describe('finding 7: sync cannot skip what REST checks', () => {
  it('an invited user made active without accepting is refused', async () => {
    await expectRefused(
      (doc) => entity(doc, 'users', ids.invited).set('status', 'active'),
      /only by accepting/,
    );
    expect((await serverState()).users.get(ids.invited)!.status).toBe('invited');
  });

  it('an active admin user created for an account that was never invited is refused', () =>
    expectRefused((doc) => {
      const m = doc.getMap('users').set('evilUser0001', new Y.Map<unknown>());
      m.set('email', 'victim@other.test');
      m.set('name', 'Victim');
      m.set('role', 'admin');
      m.set('status', 'active');
      m.set('createdAt', 1);
      m.set('activatedAt', 1);
    }, /created as invited/));

  it('a user’s email cannot be changed (it would hand their role to another account)', () =>
    expectRefused((doc) => entity(doc, 'users', ids.invited).set('email', 'other@acme.test'), /email/));

  it('an archived user added to a group is refused', () =>
    expectRefused((doc) => addMemberRaw(doc, ids.hr, ids.archived), /archived user cannot be added/));

  it('a data-source kind with markup is refused', () =>
    expectRefused((doc) => {
      const m = doc.getMap('dataSources').set('evilDs000001', new Y.Map<unknown>());
      m.set('name', 'Payroll');
      m.set('kind', '<b class=x>pg</b>');
      m.set('createdAt', 1);
    }, /Kind uses/));

  it('conflict records cannot be forged by a client', () =>
    expectRefused((doc) => {
      const m = doc.getMap('conflicts').set('evilConf0001', new Y.Map<unknown>());
      m.set('code', 'no-active-admin');
      m.set('message', 'The server made Eve an admin');
      m.set('entities', []);
      m.set('edits', []);
      m.set('repair', 'none');
      m.set('createdAt', 1);
    }, /written by the server/));
});

describe('finding 8: look-alike and invisible characters', () => {
  const createGroup = (name: string) => (doc: Y.Doc) => {
    const m = doc.getMap('groups').set(`g${Math.random().toString(36).slice(2, 13)}`, new Y.Map<unknown>());
    m.set('name', name);
    m.set('kind', 'custom');
    m.set('createdAt', Date.now());
    m.set('members', new Y.Text());
    m.set('grants', new Y.Map());
  };
  for (const [name, why] of [
    ['аdmin', /reserved/],
    ['End‐user', /reserved/],
    ['НR', /already exists/],
    ['  Sales  ', /trimmed/],
    ['Sales\u202Egnp.exe', /invisible/],
    ['Pay\u200Broll', /invisible/],
  ] as const)
    it(`group “${JSON.stringify(name)}”: refused over sync and over REST`, async () => {
      await expectRefused(createGroup(name), why);
      const r = await api(t.url, 'POST', '/api/workspaces/acme/groups', { token: admin, body: { name } });
      if (name.trim() === name) expect(r.status).toBeGreaterThanOrEqual(400);
      else expect(r.body.group?.name).toBe(name.trim());
      if (r.status === 201)
        await api(t.url, 'DELETE', `/api/workspaces/acme/groups/${r.body.group.id}`, { token: admin });
    });

  for (const bad of ['Payroll\u202E', 'Pay\u200Broll', 'Pay\u0000roll', 'Pay\u0007roll', 'Pay\nroll'])
    it(`app and user names refuse ${JSON.stringify(bad)}`, async () => {
      await expectRefused((doc) => {
        const m = doc.getMap('apps').set('evilApp00001', new Y.Map<unknown>());
        m.set('name', bad);
        m.set('slug', 'evil-app');
        m.set('urlPatterns', []);
        m.set('createdAt', 1);
      }, /invisible/);
      await expectRefused((doc) => entity(doc, 'users', ids.invited).set('name', bad), /invisible/);
      const r = await api(t.url, 'POST', '/api/workspaces/acme/apps', { token: admin, body: { name: bad } });
      expect(r.status).toBe(422);
    });
});

describe('finding 3: an update that depends on items the server lacks', () => {
  /** Two updates of one replica, the second depending on the first. */
  function dependentUpdates(base: Y.Doc, padding = 0): { first: Uint8Array; second: Uint8Array } {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const users = doc.getMap('users');
    const m = users.get(ids.invited) as YMap;
    m.set('name', 'Step one');
    m.set('name', `Step two${'x'.repeat(padding)}`); // its item's left origin is step one's item
    return { first: updates[0]!, second: updates[1]! };
  }

  it('is refused at once (never pending), and the next admin’s update is stored and audited as theirs', async () => {
    const attacker = await client();
    const { second } = dependentUpdates(attacker.doc);
    const verdict = await attacker.sendUpdate(second);
    expect(verdict).toMatchObject({ accepted: false, code: CLOSE.rejected });
    if (!verdict.accepted) expect(verdict.reason).toMatch(/does not have/);
    // A victim's harmless edit goes through on its own and is audited as the victim's.
    const victim = await client();
    const ok = await victim.write((doc) => entity(doc, 'groups', ids.hr).set('appCreate', false));
    expect(ok).toEqual({ accepted: true });
    const ok2 = await victim.write((doc) => entity(doc, 'users', ids.invited).set('name', 'Victim edit'));
    expect(ok2).toEqual({ accepted: true });
    const s = await serverState();
    expect(s.users.get(ids.invited)!.name).toBe('Victim edit');
    const audit = await api(t.url, 'GET', '/api/workspaces/acme/audit?limit=5', { token: admin });
    expect(JSON.stringify(audit.body)).not.toMatch(/Step (one|two)/);
    victim.close();
  });

  it('a delete set naming items the server lacks is refused too', async () => {
    const attacker = await client();
    const ghost = new Y.Doc();
    const updates: Uint8Array[] = [];
    ghost.on('update', (u: Uint8Array) => updates.push(u));
    ghost.getMap('users').set('x', 'y');
    ghost.getMap('users').delete('x');
    // Only the deletion, of an item the server never saw.
    const deletionOnly = Y.diffUpdate(Y.mergeUpdates(updates), Y.encodeStateVectorFromUpdate(updates[0]!));
    const verdict = await attacker.sendUpdate(deletionOnly);
    expect(verdict).toMatchObject({ accepted: false, code: CLOSE.rejected });
  });

  it('100 such frames of 256 KiB leave nothing pending on the server and do not slow it', async () => {
    const keeper = await client();
    const { second } = dependentUpdates(keeper.doc, 256 * 1024);
    for (let i = 0; i < 100; i++) {
      const c = await client();
      expect(await c.sendUpdate(second)).toMatchObject({ accepted: false, code: CLOSE.rejected });
    }
    const started = Date.now();
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(500);
    // An admin's harmless edit is accepted; the shadow it went through holds no pending structs or
    // deletions (white-box), so no pending content can grow memory or be merged into an admin's update.
    const ok = await keeper.write((doc) => entity(doc, 'groups', ids.hr).set('folderCRUD', false));
    expect(ok).toEqual({ accepted: true });
    const ws = await t.server.ctx.storage.workspaceBySlug('acme');
    const live = t.server.ctx.registry.peek(ws!.id) as unknown as { shadow: { shadowDoc: Y.Doc | null } };
    const shadow = live.shadow.shadowDoc;
    expect(shadow).not.toBeNull();
    expect(shadow!.store.pendingStructs).toBeNull();
    expect(shadow!.store.pendingDs).toBeNull();
    keeper.close();
  });
});
