/**
 * The impact's fast path (core/impact/before-access.ts: `before`'s access from its incrementally kept
 * compiled form, renames skip access, seat counts kept per version) gives byte-identical impacts to the
 * full computation (the access index of each state), for chains of commands through plan() and for raw ops that break rules, over
 * random workspaces with every rule-breaking part a merge leaves (shared emails, End-users in
 * builder-level groups, deleted groups and grants).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeImpact, computeImpactFull } from '../../core/impact/compute-impact.ts';
import {
  type Command,
  FLAGS,
  type Grant,
  type Group,
  NO_FLAGS,
  type Op,
  plan,
  ROLES,
  USER_STATUSES,
  type User,
  type WorkspaceState,
} from '../../core/index.ts';
import { applyOpsToState } from '../../core/ops.ts';
import { APP_IDS, appOf, stateArb, USER_IDS } from './compiled-access-states.ts';

const GROUP_IDS = ['c0', 'c1', 'c2', 'c3', 'c4', 'dg0', 'dg1'] as const;
const EMAILS = ['ada@x.io', 'bob@x.io', 'new@x.io'] as const;
// In commands: `#u3` / `#g1` / `#c0` name the state's 4th user / 2nd group / 1st live custom group when
// the command is planned.
const userId = fc.oneof({ arbitrary: fc.nat(9).map((i) => `#u${i}`), weight: 9 }, fc.constant('nobody'));
// Mostly a live custom group; sometimes any group (default, deleted).
const groupId = fc.oneof(
  { arbitrary: fc.nat(9).map((i) => `#c${i}`), weight: 4 },
  fc.nat(9).map((i) => `#g${i}`),
);

/** The command with its `#u`/`#g`/`#c` placeholders resolved against `state`'s users and groups. */
function resolve(state: WorkspaceState, command: Command): Command {
  const users = [...state.users.keys()];
  const groups = [...state.groups.keys()];
  const custom = [...state.groups.values()]
    .filter((g) => g.kind === 'custom' && g.deletedAt === undefined)
    .map((g) => g.id);
  const one = (v: unknown): unknown => {
    if (Array.isArray(v)) return [...new Set(v.map(one))];
    if (typeof v !== 'string' || !/^#[ugc]\d+$/.test(v)) return v;
    const pool = v[1] === 'u' ? users : v[1] === 'c' && custom.length > 0 ? custom : groups;
    return pool[Number(v.slice(2)) % pool.length] ?? 'none';
  };
  return Object.fromEntries(Object.entries(command).map(([k, v]) => [k, one(v)])) as Command;
}

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constant('user.rename' as const), userId, name: fc.constantFrom('Ann', 'Bo') }),
  fc.record({ type: fc.constant('user.setRole' as const), userId, role: fc.constantFrom(...ROLES) }),
  fc.record({ type: fc.constant('user.archive' as const), userId }),
  fc.record({ type: fc.constant('user.restore' as const), userId }),
  fc.record({ type: fc.constant('user.activate' as const), userId }),
  fc.record({
    type: fc.constant('user.invite' as const),
    email: fc.constantFrom(...EMAILS),
    name: fc.constant('New'),
    role: fc.constantFrom(...ROLES),
  }),
  fc.record({
    type: fc.constant('group.addMembers' as const),
    groupId,
    userIds: fc.array(
      fc.nat(9).map((i) => `#u${i}`),
      { minLength: 1, maxLength: 5 },
    ),
    source: fc.constantFrom(undefined, 'scim:x' as const),
  }),
  fc.record({ type: fc.constant('group.create' as const), name: fc.constantFrom('HR', 'Ops', 'Eng') }),
  fc.record({ type: fc.constant('group.removeMember' as const), groupId, userId }),
  fc.record({ type: fc.constant('group.rename' as const), groupId, name: fc.constantFrom('HR', 'Ops') }),
  fc.record({
    type: fc.constant('group.setFlags' as const),
    groupId,
    flags: fc.record({ [FLAGS[0]!]: fc.boolean() }, { requiredKeys: [] }),
  }),
  fc.record({ type: fc.constant('group.delete' as const), groupId }),
  fc.record({
    type: fc.constant('grant.remove' as const),
    groupId: fc.constantFrom('c0', 'c1', 'c2', 'dg0'),
    grantId: fc.constantFrom('c0-g0', 'c1-g0', 'c2-g1', 'dg0-g0'),
  }),
  fc.record({ type: fc.constant('app.delete' as const), appId: fc.constantFrom(...APP_IDS) }),
);

const rawGroupId = fc.constantFrom(...GROUP_IDS);

/** stateArb's states with most deleted custom groups live again: users in several groups with grants. */
const workspaceArb: fc.Arbitrary<WorkspaceState> = fc
  .tuple(stateArb, fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }))
  .map(([s, keepDeleted]) => {
    let i = 0;
    const groups = new Map(
      [...s.groups].map(([id, g]) => {
        if (g.kind !== 'custom' || g.deletedAt === undefined || keepDeleted[i++ % 5]) return [id, g];
        const { deletedAt: _, ...live } = g;
        return [id, live];
      }),
    );
    return { ...s, groups };
  });

/** Raw ops, applied without the rules: the states a merge can leave. */
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    type: fc.constant('entity.set' as const),
    collection: fc.constant('users' as const),
    id: fc.constantFrom(...USER_IDS),
    fields: fc.oneof(
      fc.record({ name: fc.constant('Renamed') }),
      fc.record({ email: fc.constantFrom(...EMAILS) }),
      fc.record({ role: fc.constantFrom(...ROLES) }),
      fc.record({ status: fc.constantFrom(...USER_STATUSES) }),
      fc.record({ createdAt: fc.integer({ min: 0, max: 3 }) }),
    ),
  }),
  fc.record({
    type: fc.constant('entity.create' as const),
    collection: fc.constant('users' as const),
    id: fc.constantFrom('n0', 'n1'),
    fields: fc.record({
      email: fc.constantFrom(...EMAILS),
      name: fc.constant('N'),
      role: fc.constantFrom(...ROLES),
      status: fc.constantFrom(...USER_STATUSES),
      createdAt: fc.integer({ min: 0, max: 3 }),
    }),
  }),
  fc.record({
    type: fc.constant('member.add' as const),
    groupId: rawGroupId,
    userId: fc.constantFrom(...USER_IDS, 'n0'),
    at: fc.constant(10),
  }),
  fc.record({
    type: fc.constant('member.remove' as const),
    groupId: rawGroupId,
    userId: fc.constantFrom(...USER_IDS),
  }),
  fc.record({
    type: fc.constant('entity.set' as const),
    collection: fc.constant('groups' as const),
    id: rawGroupId,
    fields: fc.oneof(fc.record({ name: fc.constant('G') }), fc.record({ deletedAt: fc.constant(9) })),
  }),
);

describe('impact fast path', () => {
  it('plans chains of commands with impacts byte-identical to the full computation', () => {
    fc.assert(
      fc.property(workspaceArb, fc.array(commandArb, { minLength: 1, maxLength: 16 }), (s0, commands) => {
        let state: WorkspaceState = s0;
        for (const command of commands) {
          const p = plan(state, { ...resolve(state, command), allowRoleChange: true }, { now: 100 });
          if (!p.ok) continue;
          const full = computeImpactFull(state, p.value.after, p.value.ops);
          expect(JSON.stringify(p.value.impact)).toBe(JSON.stringify(full));
          state = p.value.after;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('gives the full computation’s impact for raw ops that break rules, version after version', () => {
    fc.assert(
      fc.property(
        workspaceArb,
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        (s0, batches) => {
          let state: WorkspaceState = s0;
          for (const ops of batches) {
            const after = applyOpsToState(state, ops);
            const fast = computeImpact(state, after, ops);
            expect(JSON.stringify(fast)).toBe(JSON.stringify(computeImpactFull(state, after, ops)));
            state = after;
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('lists a user’s rows in the groups’ order after memberships were added out of that order', () => {
    const grant = (id: string, app: string): Grant => ({
      id,
      name: id,
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [app],
      level: 'view',
      hideFromDashboard: false,
      createdAt: 1,
    });
    const group = (id: string, app: string, members: string[]): Group => ({
      id,
      name: id,
      kind: 'custom',
      flags: NO_FLAGS,
      members: new Set(members),
      memberships: new Map(members.map((m) => [m, [{ source: 'manual' as const }]])),
      grants: new Map([[`${id}-g`, grant(`${id}-g`, app)]]),
      createdAt: 2,
    });
    const user: User = {
      id: 'u0',
      name: 'U',
      email: 'u@x.io',
      role: 'end-user',
      status: 'active',
      createdAt: 1,
    };
    const s0: WorkspaceState = {
      version: 1,
      meta: { name: 'W', slug: 'w' },
      users: new Map([['u0', user]]),
      groups: new Map([
        ['c1', group('c1', 'a1', [])],
        ['c3', group('c3', 'a3', ['u0'])],
      ]),
      apps: new Map(['a1', 'a3'].map((id) => [id, appOf(id, null)])),
      dataSources: new Map(),
      conflicts: new Map(),
    };
    let state = s0;
    // A workspace's first impact reads the index, the second compiles `before`, the later ones derive it.
    for (const ops of [
      [{ type: 'entity.set', collection: 'users', id: 'u0', fields: { name: 'V' } }],
      [{ type: 'entity.set', collection: 'users', id: 'u0', fields: { name: 'W' } }],
      [{ type: 'member.add', groupId: 'c1', userId: 'u0', at: 5 }],
      [{ type: 'entity.set', collection: 'users', id: 'u0', fields: { status: 'archived' } }],
    ] as Op[][]) {
      const after = applyOpsToState(state, ops);
      const fast = computeImpact(state, after, ops);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(computeImpactFull(state, after, ops)));
      state = after;
    }
  });

  it('finds a rename changes no access without reading any access', () => {
    fc.assert(
      fc.property(stateArb, fc.constantFrom(...USER_IDS), (s0, id) => {
        if (!s0.users.has(id)) return;
        const ops: Op[] = [{ type: 'entity.set', collection: 'users', id, fields: { name: 'Renamed' } }];
        const impact = computeImpact(s0, applyOpsToState(s0, ops), ops);
        expect(impact.usersAffected).toBe(0);
        expect(impact.accessChanges).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
