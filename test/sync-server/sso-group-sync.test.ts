/**
 * Group sync at every SSO sign-in, by the source rules, against a real OpenID Provider: the connection
 * adds and removes only its own memberships, only in mapped groups; manual members survive; the last
 * admin is never removed or downgraded; an upgrade through a mapping happens only once its impact was
 * confirmed, otherwise it waits as a conflict; saving a mapping shows its impact now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapplyCommand } from '../../core/index.ts';
import { api } from './helpers.ts';
import {
  connectionBody,
  createConnection,
  type SsoWorld,
  ssoSignIn,
  startSsoWorld,
  userIdOf,
  workspaceState,
} from './sso-helpers.ts';

let w: SsoWorld;
let conn: { id: string };
const groups: Record<string, string> = {};

async function group(name: string, flags?: Record<string, boolean>): Promise<string> {
  const r = await api(w.t.url, 'POST', '/api/workspaces/acme/groups', { token: w.admin, body: { name } });
  expect(r.status).toBe(201);
  const id: string = r.body.group.id;
  if (flags) {
    const f = await api(w.t.url, 'PUT', `/api/workspaces/acme/groups/${id}/permissions`, {
      token: w.admin,
      body: flags,
    });
    expect(f.status).toBe(200);
  }
  return id;
}

const mappings = () => [
  { idpGroup: 'Eng', groupId: groups.Engineers! },
  { idpGroup: 'Plat', groupId: groups.Platform! },
];

beforeAll(async () => {
  w = await startSsoWorld();
  groups.Engineers = await group('Engineers');
  groups.Platform = await group('Platform', { appCreate: true }); // builder-level
  groups.Design = await group('Design'); // not mapped
  conn = await createConnection(w, { mappings: mappings() });
}, 60_000);
afterAll(() => w?.close());

const source = () => `sso:${conn.id}`;
async function sourcesOf(groupId: string, email: string): Promise<string[]> {
  const s = await workspaceState(w);
  const id = await userIdOf(w, email);
  return (s.groups.get(groupId)!.memberships.get(id!) ?? []).map((m) => m.source).sort();
}
const person = (login: string, groupsClaim?: string[]) =>
  w.op.setPerson(login, {
    email: `${login}@acme.test`,
    email_verified: true,
    ...(groupsClaim ? { groups: groupsClaim } : {}),
  });
async function signIn(login: string, groupsClaim?: string[]) {
  person(login, groupsClaim);
  const r = await ssoSignIn(w, conn.id, login);
  expect(r.error).toBeNull();
  return r;
}

describe('SSO group sync', () => {
  it('joins mapped groups with its own source and leaves them when the IdP drops the group', async () => {
    await signIn('kim', ['Eng', 'Unmapped']);
    expect(await sourcesOf(groups.Engineers!, 'kim@acme.test')).toEqual([source()]);
    const ws = (await w.t.server.ctx.storage.workspaceBySlug('acme'))!;
    const audit = await w.t.server.ctx.storage.queryAudit({
      workspaceId: ws.id,
      entity: groups.Engineers!,
      limit: 5,
    });
    expect(audit[0]).toMatchObject({ action: 'group.addMembers', actorName: 'SSO: Test IdP' });
    await signIn('kim', []);
    expect(await sourcesOf(groups.Engineers!, 'kim@acme.test')).toEqual([]);
    const [last] = await w.t.server.ctx.storage.recentSsoSignIns(conn.id, 1);
    expect(last!.changes).toContain('left Engineers');
  });

  it('keeps manual memberships, in mapped groups and in others, whatever the IdP says', async () => {
    await signIn('mia', ['Eng']);
    const mia = (await userIdOf(w, 'mia@acme.test'))!;
    for (const g of [groups.Engineers!, groups.Design!]) {
      const r = await api(w.t.url, 'POST', `/api/workspaces/acme/groups/${g}/members`, {
        token: w.admin,
        body: { userIds: [mia] },
      });
      expect(r.status).toBe(200);
    }
    expect(await sourcesOf(groups.Engineers!, 'mia@acme.test')).toEqual(['manual', source()]);
    await signIn('mia', []);
    expect(await sourcesOf(groups.Engineers!, 'mia@acme.test')).toEqual(['manual']);
    expect(await sourcesOf(groups.Design!, 'mia@acme.test')).toEqual(['manual']);
    expect((await workspaceState(w)).groups.get(groups.Engineers!)!.members.has(mia)).toBe(true);
  });

  it('a token without the groups claim removes only the connection’s own memberships', async () => {
    await signIn('ned', ['Eng']);
    expect(await sourcesOf(groups.Engineers!, 'ned@acme.test')).toEqual([source()]);
    await signIn('ned'); // no groups claim at all
    expect(await sourcesOf(groups.Engineers!, 'ned@acme.test')).toEqual([]);
    const [last] = await w.t.server.ctx.storage.recentSsoSignIns(conn.id, 1);
    expect(last!.changes.join(' ')).toMatch(/no "groups" claim/);
  });

  it('never removes or downgrades the last active admin', async () => {
    w.op.setPerson('root', { email: 'admin@acme.test', email_verified: true, groups: [] });
    const r = await ssoSignIn(w, conn.id, 'root');
    expect(r.error).toBeNull();
    const admin = [...(await workspaceState(w)).users.values()].find((u) => u.email === 'admin@acme.test')!;
    expect(admin).toMatchObject({ role: 'admin', status: 'active' });
    // A role mapping below Admin does not lower it either.
    const low = await createConnection(w, {
      name: 'Low roles',
      mappings: [{ idpGroup: 'Eng', groupId: groups.Engineers!, role: 'end-user', confirmImpact: true }],
    });
    w.op.setPerson('root', { email: 'admin@acme.test', email_verified: true, groups: ['Eng'] });
    expect((await ssoSignIn(w, low.id, 'root')).error).toBeNull();
    expect((await workspaceState(w)).users.get(admin.id)?.role).toBe('admin');
  });

  it('an upgrade through an unconfirmed mapping waits as a conflict; once confirmed with its impact, it happens', async () => {
    await signIn('lee', ['Plat']);
    const lee = (await userIdOf(w, 'lee@acme.test'))!;
    let s = await workspaceState(w);
    expect(s.users.get(lee)?.role).toBe('end-user');
    expect(s.groups.get(groups.Platform!)!.members.has(lee)).toBe(false);
    const conflict = [...s.conflicts.values()].find((c) => c.entities.some((e) => e.id === lee));
    expect(conflict).toMatchObject({ code: 'end-user-in-builder-group' });
    expect(conflict!.edits[0]!.actor).toBe('SSO: Test IdP');
    // An admin's re-apply adds it as the connection's membership, not a manual one.
    expect(reapplyCommand(s, conflict!)).toMatchObject({ userIds: [lee], source: source() });
    const [last] = await w.t.server.ctx.storage.recentSsoSignIns(conn.id, 1);
    expect(last!.changes).toContain('held for an admin: joined Platform');

    // The impact now, from lee's last known groups: one End-user becomes a Builder, one more seat.
    const preview = await api(w.t.url, 'POST', `/api/workspaces/acme/sso/connections/${conn.id}/impact`, {
      token: w.admin,
      body: { mappings: mappings() },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.impact.roleChanges).toEqual([
      expect.objectContaining({ userId: lee, from: 'end-user', to: 'builder' }),
    ]);
    expect(preview.body.impact.held).toEqual([expect.objectContaining({ userId: lee })]);
    expect(preview.body.impact.seatDelta).toBe(1);
    expect(preview.body.impact.joins).toContainEqual(
      expect.objectContaining({ userId: lee, groupName: 'Platform' }),
    );
    // Nothing changed by the preview.
    expect((await workspaceState(w)).users.get(lee)?.role).toBe('end-user');

    const confirmed = mappings().map((m) => (m.idpGroup === 'Plat' ? { ...m, confirmImpact: true } : m));
    const saved = await api(w.t.url, 'PUT', `/api/workspaces/acme/sso/connections/${conn.id}`, {
      token: w.admin,
      body: connectionBody(w, { mappings: confirmed }),
    });
    expect(saved.status).toBe(200);
    expect(saved.body.connection.mappings[1].confirmedBy).not.toBeNull();
    expect(saved.body.impact.held).toEqual([]);
    expect(saved.body.impact.seatDelta).toBe(1);

    await signIn('lee', ['Plat']);
    s = await workspaceState(w);
    expect(s.users.get(lee)?.role).toBe('builder');
    expect(s.groups.get(groups.Platform!)!.members.has(lee)).toBe(true);
    // Saving again without confirmImpact keeps the confirmation of an unchanged mapping.
    const again = await api(w.t.url, 'PUT', `/api/workspaces/acme/sso/connections/${conn.id}`, {
      token: w.admin,
      body: connectionBody(w, { mappings: mappings() }),
    });
    expect(again.body.connection.mappings[1].confirmedBy).not.toBeNull();
  });

  it('a role mapping raises a role only when confirmed, else holds it', async () => {
    const roles = await createConnection(w, {
      name: 'Roles',
      mappings: [{ idpGroup: 'Builders', groupId: groups.Engineers!, role: 'builder' }],
    });
    w.op.setPerson('ria', { email: 'ria@acme.test', email_verified: true, groups: ['Builders'] });
    expect((await ssoSignIn(w, roles.id, 'ria')).error).toBeNull();
    const ria = (await userIdOf(w, 'ria@acme.test'))!;
    const s = await workspaceState(w);
    expect(s.users.get(ria)?.role).toBe('end-user');
    expect(
      [...s.conflicts.values()].some(
        (c) => c.code === 'sso-role-upgrade-held' && c.entities.some((e) => e.id === ria),
      ),
    ).toBe(true);
    // Joining the plain group still happened: only the upgrade waits.
    expect(s.groups.get(groups.Engineers!)!.members.has(ria)).toBe(true);
  });

  describe('unmapping', () => {
    let un: { id: string };
    const unSource = () => `sso:${un.id}`;
    const unBody = (m: { idpGroup: string; groupId: string }[]) =>
      connectionBody(w, { name: 'Unmap IdP', mappings: m });
    async function memberships(groupId: string, email: string): Promise<string[]> {
      const s = await workspaceState(w);
      const id = (await userIdOf(w, email))!;
      return (s.groups.get(groupId)!.memberships.get(id) ?? []).map((m) => m.source).sort();
    }
    async function addWithSource(groupId: string, email: string, src: 'manual' | `scim:${string}`) {
      const ws = (await w.t.server.ctx.storage.workspaceBySlug('acme'))!;
      const userId = (await userIdOf(w, email))!;
      const r = await w.t.server.ctx.registry.with(ws, (live) =>
        live.submit(
          { kind: 'command', command: { type: 'group.addMembers', groupId, userIds: [userId], source: src } },
          { accountId: null, email: null, name: 'Test' },
          'api',
        ),
      );
      expect(r.ok).toBe(true);
    }

    beforeAll(async () => {
      groups.Ops = await group('Ops');
      groups.Support = await group('Support');
      un = await createConnection(w, {
        name: 'Unmap IdP',
        mappings: [{ idpGroup: 'ops', groupId: groups.Ops! }],
      });
      for (const login of ['kai', 'zoe']) {
        person(login, ['ops']);
        expect((await ssoSignIn(w, un.id, login)).error).toBeNull();
      }
      // zoe is also in Ops by hand and through SCIM; sam only by hand (never signed in with SSO).
      await addWithSource(groups.Ops!, 'zoe@acme.test', 'manual');
      await addWithSource(groups.Ops!, 'zoe@acme.test', 'scim:entra');
      person('sam', ['not-mapped']);
      expect((await ssoSignIn(w, un.id, 'sam')).error).toBeNull();
      await addWithSource(groups.Ops!, 'sam@acme.test', 'manual');
    }, 60_000);

    it('the impact of removing a mapping lists the connection’s memberships there as leaving, and saving removes exactly those', async () => {
      expect(await memberships(groups.Ops!, 'kai@acme.test')).toEqual([unSource()]);
      const preview = await api(w.t.url, 'POST', `/api/workspaces/acme/sso/connections/${un.id}/impact`, {
        token: w.admin,
        body: { mappings: [] },
      });
      expect(preview.status).toBe(200);
      const leaves = preview.body.impact.leaves
        .map(
          (l: { email: string; groupName: string; reason: string }) =>
            `${l.email} ${l.groupName} ${l.reason}`,
        )
        .sort();
      expect(leaves).toEqual(['kai@acme.test Ops mapping-removed', 'zoe@acme.test Ops mapping-removed']);
      expect(await memberships(groups.Ops!, 'kai@acme.test')).toEqual([unSource()]); // preview only

      const saved = await api(w.t.url, 'PUT', `/api/workspaces/acme/sso/connections/${un.id}`, {
        token: w.admin,
        body: unBody([]),
      });
      expect(saved.status).toBe(200);
      expect([...saved.body.removed].sort()).toEqual([
        'kai@acme.test left Ops (mapping removed)',
        'zoe@acme.test left Ops (mapping removed)',
      ]);
      expect(saved.body.impact.leaves).toEqual([]);
      const s = await workspaceState(w);
      const kai = (await userIdOf(w, 'kai@acme.test'))!;
      expect(s.groups.get(groups.Ops!)!.members.has(kai)).toBe(false);
      // Other sources in the unmapped group are untouched.
      expect(await memberships(groups.Ops!, 'zoe@acme.test')).toEqual(['manual', 'scim:entra']);
      expect(await memberships(groups.Ops!, 'sam@acme.test')).toEqual(['manual']);
      const ws = (await w.t.server.ctx.storage.workspaceBySlug('acme'))!;
      const audit = await w.t.server.ctx.storage.queryAudit({
        workspaceId: ws.id,
        entity: groups.Ops!,
        limit: 10,
      });
      expect(audit.filter((a) => a.action === 'group.removeMember')).toEqual([
        expect.objectContaining({ actorName: 'SSO: Unmap IdP' }),
        expect.objectContaining({ actorName: 'SSO: Unmap IdP' }),
      ]);
      // A sign-in afterwards does not bring it back.
      person('kai', ['ops']);
      expect((await ssoSignIn(w, un.id, 'kai')).error).toBeNull();
      expect(await memberships(groups.Ops!, 'kai@acme.test')).toEqual([]);
    });

    it('re-pointing a mapping moves the connection’s memberships to the new group', async () => {
      let saved = await api(w.t.url, 'PUT', `/api/workspaces/acme/sso/connections/${un.id}`, {
        token: w.admin,
        body: unBody([{ idpGroup: 'ops', groupId: groups.Ops! }]),
      });
      expect(saved.status).toBe(200);
      person('kai', ['ops']);
      expect((await ssoSignIn(w, un.id, 'kai')).error).toBeNull();
      expect(await memberships(groups.Ops!, 'kai@acme.test')).toEqual([unSource()]);

      const preview = await api(w.t.url, 'POST', `/api/workspaces/acme/sso/connections/${un.id}/impact`, {
        token: w.admin,
        body: { mappings: [{ idpGroup: 'ops', groupId: groups.Support! }] },
      });
      expect(preview.body.impact.leaves).toEqual([
        expect.objectContaining({ email: 'kai@acme.test', groupName: 'Ops', reason: 'mapping-removed' }),
      ]);
      // zoe last signed in with `ops` too: she joins the new group.
      expect(preview.body.impact.joins.map((j: { email: string }) => j.email).sort()).toEqual([
        'kai@acme.test',
        'zoe@acme.test',
      ]);
      saved = await api(w.t.url, 'PUT', `/api/workspaces/acme/sso/connections/${un.id}`, {
        token: w.admin,
        body: unBody([{ idpGroup: 'ops', groupId: groups.Support! }]),
      });
      expect(saved.body.removed).toEqual(['kai@acme.test left Ops (mapping removed)']);
      expect(await memberships(groups.Ops!, 'kai@acme.test')).toEqual([]);
      expect(await memberships(groups.Ops!, 'zoe@acme.test')).toEqual(['manual', 'scim:entra']);
      expect((await ssoSignIn(w, un.id, 'kai')).error).toBeNull();
      expect(await memberships(groups.Support!, 'kai@acme.test')).toEqual([unSource()]);
    });

    it('deleting the connection removes its memberships (previewed as its impact with no mappings), and only those', async () => {
      expect(await memberships(groups.Support!, 'kai@acme.test')).toEqual([unSource()]);
      await addWithSource(groups.Support!, 'kai@acme.test', 'manual');
      const preview = await api(w.t.url, 'POST', `/api/workspaces/acme/sso/connections/${un.id}/impact`, {
        token: w.admin,
        body: { mappings: [] },
      });
      expect(preview.body.impact.leaves).toEqual([
        expect.objectContaining({ email: 'kai@acme.test', groupName: 'Support', reason: 'mapping-removed' }),
      ]);
      const del = await api(w.t.url, 'DELETE', `/api/workspaces/acme/sso/connections/${un.id}`, {
        token: w.admin,
      });
      expect(del.status).toBe(204);
      expect(await memberships(groups.Support!, 'kai@acme.test')).toEqual(['manual']);
      expect(await memberships(groups.Ops!, 'zoe@acme.test')).toEqual(['manual', 'scim:entra']);
    });
  });
});
