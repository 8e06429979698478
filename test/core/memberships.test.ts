/**
 * Memberships with a source and an expiry (SPEC §8, §11; core/rules/memberships.ts): the token grammar,
 * the commands, and expiry decided at read time by the reader's clock — in access (computed and compiled),
 * impact and repair — with one row per case.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  memberToken,
  memberTokensOf,
  parseMemberToken,
  readMemberships,
} from '../../core/doc/member-tokens.ts';
import {
  applyOps,
  compiledAccess,
  computeAccess,
  DocReader,
  expiredMemberships,
  groupMemberships,
  nextExpiry,
  plan,
  repair,
  validateChanges,
  type WorkspaceState,
} from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

function setup() {
  let t = T0;
  const clock = { now: () => t, set: (v: number) => (t = v) };
  const ws = createTestWorkspace({ now: () => t });
  const ada = ws.user('ada@corp.com', 'admin');
  const bob = ws.user('bob@corp.com', 'builder');
  const eve = ws.user('eve@corp.com');
  const hr = ws.group('HR');
  const app = ws.app('Payroll', ['https://hr.corp.com/*']);
  ws.must({
    type: 'grant.add',
    groupId: hr,
    grant: {
      name: 'HR apps',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [app],
      level: 'view',
      hideFromDashboard: false,
    },
  });
  return { ws, clock, ada, bob, eve, hr, app };
}

/** The custom groups that count for a user's access: computed, and compiled. */
const groupsOf = (s: WorkspaceState, userId: string) =>
  computeAccess(s, userId)!
    .groups.filter((g) => g.kind === 'custom')
    .map((g) => g.id);
const compiledGroupsOf = (s: WorkspaceState, userId: string) =>
  compiledAccess(s)
    .user(userId)!
    .groups.slice(1)
    .map((g) => g.group.id);

const membersText = (doc: Y.Doc, groupId: string) =>
  ((doc.getMap('groups').get(groupId) as Y.Map<unknown>).get('members') as Y.Text).toString();

describe('membership tokens', () => {
  it.each<[string, string, object | null]>([
    ['a plain id (every token before sources): manual, permanent', 'u1', { userId: 'u1', source: 'manual' }],
    ['an SSO source', 'u1@sso:okta', { userId: 'u1', source: 'sso:okta' }],
    ['a SCIM source with an expiry', 'u1@scim:c-1_x+1', { userId: 'u1', source: 'scim:c-1_x', expiresAt: 1 }],
    ['a manual expiry', 'u1+zz', { userId: 'u1', source: 'manual', expiresAt: 36 * 36 - 1 }],
    ['an unknown source', 'u1@ldap:x', null],
    ['manual spelled out', 'u1@manual', null],
    ['an empty connection', 'u1@sso:', null],
    ['a leading zero in the expiry', 'u1+0a', null],
    ['an upper-case expiry', 'u1+A', null],
    ['no user id', '@sso:x', null],
    ['expiry before source', 'u1+1@sso:x', null],
  ])('%s', (_name, token, parsed) => {
    expect(parseMemberToken(token)).toEqual(parsed);
  });

  it('writes what it reads', () => {
    for (const [source, at] of [
      ['manual', undefined],
      ['sso:a', T0],
      ['scim:b', T0 + 1],
    ] as const)
      expect(parseMemberToken(memberToken('u1', source, at))).toEqual({
        userId: 'u1',
        source,
        ...(at === undefined ? {} : { expiresAt: at }),
      });
  });

  it('validation accepts exactly the grammar, on a Yjs update from a client', () => {
    const { ws, eve, hr } = setup();
    const write = (text: string) => {
      let changed = new Map<Y.AbstractType<unknown>, Set<string | null>>();
      const grab = (tr: Y.Transaction) => {
        changed = tr.changed as typeof changed;
      };
      ws.doc.on('afterTransaction', grab);
      const members = (ws.doc.getMap('groups').get(hr) as Y.Map<unknown>).get('members') as Y.Text;
      ws.doc.transact(() => members.insert(members.length, text));
      ws.doc.off('afterTransaction', grab);
      const v = validateChanges(ws.doc, changed);
      ws.doc.transact(() => members.delete(members.length - text.length, text.length));
      return v.map((x) => x.path);
    };
    expect(write(`${eve}@sso:okta+${(T0 + HOUR).toString(36)} `)).toEqual([]);
    expect(write(`${eve}@scim:c1 `)).toEqual([]);
    expect(write(`${eve}@ldap:x `)).toEqual([`groups.${hr}.members`]);
    expect(write(`${eve}+ `)).toEqual([`groups.${hr}.members`]);
    expect(write(`nobody@sso:okta `)).toEqual([`groups.${hr}.members.nobody`]);
  });
});

describe("one user's tokens of a members text", () => {
  it('are exactly the tokens `readMemberships` reads for that user, never another id it prefixes', () => {
    const text = 'u1 u10 u1@sso:okta+k u2 xu1 u1+z u1';
    expect(memberTokensOf(text, 'u1')).toBe('u1 u1@sso:okta+k u1+z u1 ');
    expect(readMemberships(memberTokensOf(text, 'u1'))).toEqual(
      new Map([...readMemberships(`${text} `)].filter(([id]) => id === 'u1')),
    );
    expect(memberTokensOf(text, 'u10')).toBe('u10 ');
    expect(memberTokensOf(text, 'u3')).toBe('');
  });
});

describe('membership commands', () => {
  it('a connection adds and removes only its own; manual removal of one source keeps the others', () => {
    const { ws, eve, hr } = setup();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], source: 'scim:c1' });
    expect(groupMemberships(ws.state(), hr, T0)?.[0]?.memberships).toEqual([
      { source: 'manual' },
      { source: 'scim:c1', expiresAt: undefined },
    ]);
    ws.must({ type: 'group.removeMember', groupId: hr, userId: eve, source: 'scim:c1' });
    expect(ws.state().groups.get(hr)?.members.has(eve)).toBe(true);
    expect(ws.run({ type: 'group.removeMember', groupId: hr, userId: eve, source: 'scim:c1' })).toMatchObject(
      {
        ok: false,
        error: { code: 'not-member' },
      },
    );
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], source: 'sso:okta' });
    ws.must({ type: 'group.removeMember', groupId: hr, userId: eve, source: 'manual' });
    expect(groupMemberships(ws.state(), hr, T0, 'sso:okta')?.map((m) => m.userId)).toEqual([eve]);
    // Without a source the user leaves the group: every source's membership goes.
    ws.must({ type: 'group.removeMember', groupId: hr, userId: eve });
    expect(ws.state().groups.get(hr)?.memberships.size).toBe(0);
    expect(membersText(ws.doc, hr)).toBe('');
  });

  it.each<[string, object, string]>([
    ['an expiry in the past', { expiresAt: T0 - 1 }, 'The expiry must be in the future'],
    ['an expiry now', { expiresAt: T0 }, 'The expiry must be in the future'],
    ['a fractional expiry', { expiresAt: T0 + 0.5 }, 'The expiry must be a time (epoch milliseconds)'],
    [
      'an unknown source',
      { source: 'ldap:x' },
      'The source must be manual, sso:<connection id> or scim:<connection id>',
    ],
  ])('refuses %s', (_name, extra, message) => {
    const { ws, eve, hr } = setup();
    const r = ws.run({ type: 'group.addMembers', groupId: hr, userIds: [eve], ...extra } as never);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-input', message } });
  });

  it('adding never shortens; extend, shorten and make permanent set the expiry', () => {
    const { ws, eve, hr } = setup();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], expiresAt: T0 + 2 * HOUR });
    const r = ws.run({ type: 'group.addMembers', groupId: hr, userIds: [eve], expiresAt: T0 + HOUR });
    expect(r).toMatchObject({ ok: false, error: { code: 'already-member' } });
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], expiresAt: T0 + 3 * HOUR });
    expect(membersText(ws.doc, hr)).toBe(`${eve}+${(T0 + 3 * HOUR).toString(36)} `);
    ws.must({ type: 'group.setMemberExpiry', groupId: hr, userId: eve, expiresAt: T0 + HOUR });
    expect(groupMemberships(ws.state(), hr, T0)?.[0]?.expiresAt).toBe(T0 + HOUR);
    ws.must({ type: 'group.setMemberExpiry', groupId: hr, userId: eve, expiresAt: null });
    expect(membersText(ws.doc, hr)).toBe(`${eve} `);
    const same = ws.run({ type: 'group.setMemberExpiry', groupId: hr, userId: eve, expiresAt: null });
    expect(same).toMatchObject({ ok: false, error: { code: 'nothing-to-change' } });
  });

  it('concurrent extensions of one membership merge to the later expiry', () => {
    const { ws, eve, hr } = setup();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], expiresAt: T0 + HOUR });
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(ws.doc));
    const otherState = new DocReader(other, () => T0).state();
    const a = plan(
      ws.state(),
      { type: 'group.setMemberExpiry', groupId: hr, userId: eve, expiresAt: T0 + 5 * HOUR },
      { now: T0 },
    );
    const b = plan(
      otherState,
      { type: 'group.setMemberExpiry', groupId: hr, userId: eve, expiresAt: T0 + 2 * HOUR },
      { now: T0 },
    );
    if (!a.ok || !b.ok) throw new Error('plans');
    applyOps(ws.doc, a.value.ops);
    applyOps(other, b.value.ops);
    Y.applyUpdate(ws.doc, Y.encodeStateAsUpdate(other));
    expect(groupMemberships(ws.state(), hr, T0)?.[0]?.expiresAt).toBe(T0 + 5 * HOUR);
  });
});

describe('an expired membership is absent at read time, by the reader’s clock', () => {
  it('access, compiled access, and the next expiry follow the clock', () => {
    const { ws, clock, eve, hr } = setup();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], expiresAt: T0 + HOUR });
    const before = ws.state();
    expect(groupsOf(before, eve)).toEqual([hr]);
    expect(compiledGroupsOf(before, eve)).toEqual([hr]);
    expect(nextExpiry(before, T0)).toBe(T0 + HOUR);
    expect(ws.reader.nextExpiry).toBe(T0 + HOUR);
    clock.set(T0 + HOUR - 1);
    expect(ws.state()).toBe(before);
    clock.set(T0 + HOUR);
    expect(ws.reader.stale).toBe(true);
    const after = ws.state();
    expect(after).not.toBe(before);
    expect(after.groups.get(hr)?.members.has(eve)).toBe(false);
    expect(after.groups.get(hr)?.memberships.has(eve)).toBe(true);
    expect(groupsOf(after, eve)).toEqual([]);
    expect(compiledGroupsOf(after, eve)).toEqual([]);
    expect(nextExpiry(after, T0 + HOUR)).toBe(Number.POSITIVE_INFINITY);
    expect(expiredMemberships(after, T0 + HOUR)).toEqual([
      { groupId: hr, userId: eve, source: 'manual', expiresAt: T0 + HOUR },
    ]);
    // A replica whose clock is behind still shows the membership: the server's clock decides.
    expect(new DocReader(ws.doc, () => T0).state().groups.get(hr)?.members.has(eve)).toBe(true);
  });

  it('a live membership of another source keeps the user in', () => {
    const { ws, clock, eve, hr } = setup();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], expiresAt: T0 + HOUR });
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], source: 'sso:okta' });
    clock.set(T0 + 2 * HOUR);
    expect(groupsOf(ws.state(), eve)).toEqual([hr]);
    expect(groupMemberships(ws.state(), hr, T0 + 2 * HOUR)?.[0]).toMatchObject({
      live: true,
      expiresAt: undefined,
    });
  });

  it('impact: a command after the expiry sees the user as joining again', () => {
    const { ws, clock, eve, hr } = setup();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve], expiresAt: T0 + HOUR });
    clock.set(T0 + 2 * HOUR);
    const r = plan(
      ws.state(),
      { type: 'group.setMemberExpiry', groupId: hr, userId: eve, expiresAt: T0 + 3 * HOUR },
      { now: T0 + 2 * HOUR },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.impact.membershipsAdded.map((m) => m.userId)).toEqual([eve]);
    expect(groupsOf(r.value.after, eve)).toEqual([hr]);
  });

  it('impact: upgrade consent applies when an expired membership of a builder-level group is renewed', () => {
    const { ws, clock, eve, hr } = setup();
    ws.must({ type: 'group.setFlags', groupId: hr, flags: { appCreate: true } });
    ws.must({
      type: 'group.addMembers',
      groupId: hr,
      userIds: [eve],
      expiresAt: T0 + HOUR,
      allowRoleChange: true,
    });
    ws.must({ type: 'user.setRole', userId: eve, role: 'end-user', allowRoleChange: true });
    clock.set(T0 + 2 * HOUR);
    // Downgrading removed her: joining again, even for a while, upgrades her, so it needs consent.
    const r = ws.run({ type: 'group.addMembers', groupId: hr, userIds: [eve], expiresAt: T0 + 3 * HOUR });
    expect(r).toMatchObject({ ok: false, error: { code: 'role-change-needs-confirmation' } });
  });

  it('repair: an expired membership breaks no rule, so repair leaves it for the cleanup', () => {
    const { ws, clock, eve, bob, hr } = setup();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [bob], expiresAt: T0 + HOUR });
    ws.must({ type: 'group.setFlags', groupId: hr, flags: { appCreate: true } });
    // A merge: an End-user's expired membership of the builder-level group, written by a replica.
    const members = (ws.doc.getMap('groups').get(hr) as Y.Map<unknown>).get('members') as Y.Text;
    members.insert(members.length, `${memberToken(eve, 'manual', T0 + HOUR)} `);
    expect(repair(ws.state(), { now: T0 }).conflicts.map((c) => c.code)).toEqual([
      'end-user-in-builder-group',
    ]);
    clock.set(T0 + HOUR);
    expect(repair(ws.state(), { now: T0 + HOUR }).ops).toEqual([]);
  });

  it('the last admin keeps admin access: roles never expire, only custom memberships', () => {
    const { ws, clock, ada, hr, app } = setup();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [ada], expiresAt: T0 + HOUR });
    clock.set(T0 + 2 * HOUR);
    const s = ws.state();
    expect(s.users.get(ada)?.role).toBe('admin');
    expect(computeAccess(s, ada)?.app(app).level).toBe('edit');
    expect(repair(s, { now: T0 + 2 * HOUR }).ops).toEqual([]);
  });
});

describe('property: with random expiries, access at any time never includes an expired membership', () => {
  const USERS = 4;
  const GROUPS = 3;
  const membership = fc.record({
    user: fc.nat(USERS - 1),
    group: fc.nat(GROUPS - 1),
    source: fc.constantFrom('manual' as const, 'sso:a' as const, 'scim:b' as const),
    // Hours from T0; null: permanent.
    hours: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
  });
  it('computed and compiled access agree with the memberships live at each time', () => {
    fc.assert(
      fc.property(
        fc.array(membership, { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 14 * 60 }), { minLength: 1, maxLength: 8 }),
        (list, minutes) => {
          const { ws, clock } = setup();
          const users = Array.from({ length: USERS }, (_, i) =>
            ws.user(`u${i}@corp.com`, i % 2 ? 'builder' : 'end-user'),
          );
          const groups = Array.from({ length: GROUPS }, (_, i) => ws.group(`G${i}`));
          for (const m of list)
            ws.run({
              type: 'group.addMembers',
              groupId: groups[m.group]!,
              userIds: [users[m.user]!],
              source: m.source,
              expiresAt: m.hours === null ? undefined : T0 + m.hours * HOUR,
            });
          for (const t of [...minutes].sort((a, b) => a - b).map((m) => T0 + m * 60_000)) {
            clock.set(t);
            const state = ws.state();
            for (const [u, userId] of users.entries()) {
              const expected = groups.filter((_, g) =>
                list.some(
                  (m) => m.user === u && m.group === g && (m.hours === null || T0 + m.hours * HOUR > t),
                ),
              );
              expect(groupsOf(state, userId).sort()).toEqual([...expected].sort());
              expect(compiledGroupsOf(state, userId).sort()).toEqual([...expected].sort());
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
