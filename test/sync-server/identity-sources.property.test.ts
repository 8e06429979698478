/**
 * Property (issue 13): any interleaving of SSO sign-ins (two connections, random mappings, confirmed or
 * not), SCIM calls (two connections, members add / remove / replace, deprovision and restore, with or
 * without "may upgrade roles") and manual edits (add, remove, role changes), planned by core exactly as
 * the server runs them, keeps every SPEC §2 rule a membership change can break (4: no End-user in a
 * builder-level group, no upgrade without consent; 6: an active admin remains; 7: archiving keeps every
 * membership and an archived user gains none) and never adds or removes a membership of another source.
 * The only membership a step may take from another source is rule 5's cleanup of a manual downgrade.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Command,
  isBuilderLevel,
  type MembershipSource,
  plan,
  roleRank,
  type WorkspaceState,
} from '../../core/index.ts';
import { ssoSource, syncSteps } from '../../sync-server/identity/oidc/sso-group-sync.ts';
import {
  addMembersCommand,
  connectionMembers,
  removeMemberCommand,
  scimSource,
} from '../../sync-server/identity/scim/scim-memberships.ts';
import type { SsoGroupMapping } from '../../sync-server/storage/sso-store.ts';
import { createBaseWorkspace } from '../fixtures/replicas.ts';

const base = createBaseWorkspace();
const GROUPS = [...base.state.groups.values()].filter((g) => g.kind === 'custom').map((g) => g.id);
const USERS = Object.values(base.users);
const IDP = ['Eng', 'Ops', 'Sales', 'Admins'];
const SSO = ['s1', 's2'] as const;
const SCIM = ['A', 'B'] as const;
const NOW = 1_900_000_000_000;
const role = fc.constantFrom('end-user' as const, 'builder' as const, 'admin' as const);

/** Events over a few users and groups, so that sources meet on the same membership often. */
function eventsOver(users: readonly string[], groups: readonly string[]) {
  const user = fc.constantFrom(...users);
  const group = fc.constantFrom(...groups);
  const mapping = fc.record({
    idpGroup: fc.constantFrom(...IDP),
    groupId: group,
    role: fc.constantFrom(null, 'builder' as const, 'admin' as const),
    confirmed: fc.boolean(),
  });
  const event = fc.oneof(
    fc.record({
      kind: fc.constant('sso' as const),
      via: fc.constantFrom(...SSO),
      user,
      groups: fc.subarray(IDP),
    }),
    fc.record({
      kind: fc.constantFrom('scim-add' as const, 'scim-remove' as const),
      via: fc.constantFrom(...SCIM),
      group,
      user,
    }),
    fc.record({
      kind: fc.constant('scim-replace' as const),
      via: fc.constantFrom(...SCIM),
      group,
      users: fc.subarray([...users]),
    }),
    fc.record({
      kind: fc.constantFrom('scim-deprovision' as const, 'scim-restore' as const),
      via: fc.constantFrom(...SCIM),
      user,
    }),
    fc.record({
      kind: fc.constantFrom('manual-add' as const, 'manual-remove' as const),
      group,
      user,
      confirmed: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('manual-role' as const), user, role }),
  );
  return { mapping, event };
}
type Event = ReturnType<typeof eventsOver>['event'] extends fc.Arbitrary<infer E> ? E : never;

interface Setup {
  readonly sso: Readonly<Record<(typeof SSO)[number], { id: string; mappings: SsoGroupMapping[] }>>;
  readonly mayUpgrade: Readonly<Record<(typeof SCIM)[number], boolean>>;
}

/** Every stored membership as `group user source` keys. */
function memberships(s: WorkspaceState): Set<string> {
  const out = new Set<string>();
  for (const g of s.groups.values())
    for (const [u, held] of g.memberships) for (const m of held) out.add(`${g.id} ${u} ${m.source}`);
  return out;
}

/** Runs the commands in order, all or nothing (the server checks every command before the first runs). */
function runAll(s: WorkspaceState, commands: readonly Command[]): WorkspaceState {
  let next = s;
  for (const command of commands) {
    const p = plan(next, command, { now: NOW });
    if (!p.ok) return s;
    next = p.value.after;
  }
  return next;
}
/** Runs each command on its own, keeping those that pass (a sign-in holds what it may not do). */
function runEach(s: WorkspaceState, commands: readonly Command[]): WorkspaceState {
  let next = s;
  for (const command of commands) {
    const p = plan(next, command, { now: NOW });
    if (p.ok) next = p.value.after;
  }
  return next;
}

/** SCIM's members replace, as scim-groups.ts plans it: removes, then one add of what may join now. */
function scimReplace(
  s: WorkspaceState,
  via: string,
  groupId: string,
  wanted: readonly string[],
  may: boolean,
) {
  const g = s.groups.get(groupId)!;
  const mine = connectionMembers(g, via);
  const commands: Command[] = [...mine]
    .filter((id) => !wanted.includes(id))
    .map((id) => removeMemberCommand(groupId, id, via));
  const joining = wanted.filter((id) => !mine.has(id));
  const held =
    isBuilderLevel(g) && !may
      ? joining.filter((id) => !g.members.has(id) && s.users.get(id)?.role === 'end-user')
      : [];
  const now = joining.filter((id) => !held.includes(id));
  if (now.length > 0) commands.push(addMembersCommand(groupId, now, via, may));
  return runAll(s, commands);
}

/** The state after `e`, and the source whose memberships it may add or remove. */
function step(s: WorkspaceState, e: Event, setup: Setup): [WorkspaceState, MembershipSource] {
  switch (e.kind) {
    case 'sso': {
      const connection = setup.sso[e.via];
      return [
        runEach(
          s,
          syncSteps(s, connection, e.user, e.groups).map((x) => x.command),
        ),
        ssoSource(e.via),
      ];
    }
    case 'scim-add':
    case 'scim-remove':
    case 'scim-replace': {
      const g = s.groups.get(e.group)!;
      const mine = [...connectionMembers(g, e.via)];
      const wanted =
        e.kind === 'scim-replace'
          ? e.users
          : e.kind === 'scim-add'
            ? [...mine, e.user]
            : mine.filter((id) => id !== e.user);
      return [scimReplace(s, e.via, e.group, wanted, setup.mayUpgrade[e.via]), scimSource(e.via)];
    }
    case 'scim-deprovision':
      return [runAll(s, [{ type: 'user.archive', userId: e.user }]), scimSource(e.via)];
    case 'scim-restore':
      return [runAll(s, [{ type: 'user.restore', userId: e.user }]), scimSource(e.via)];
    case 'manual-add':
      return [
        runAll(s, [
          { type: 'group.addMembers', groupId: e.group, userIds: [e.user], allowRoleChange: e.confirmed },
        ]),
        'manual',
      ];
    case 'manual-remove':
      return [
        runAll(s, [{ type: 'group.removeMember', groupId: e.group, userId: e.user, source: 'manual' }]),
        'manual',
      ];
    case 'manual-role':
      return [
        runAll(s, [{ type: 'user.setRole', userId: e.user, role: e.role, allowRoleChange: true }]),
        'manual',
      ];
  }
}

/** The SPEC §2 rules a state can break through memberships and roles, as readable failures. */
function ruleViolations(s: WorkspaceState): string[] {
  const out: string[] = [];
  for (const g of s.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined || !isBuilderLevel(g)) continue;
    for (const id of g.members)
      if (s.users.get(id)?.role === 'end-user') out.push(`End-user ${id} in builder-level ${g.name}`);
  }
  if (![...s.users.values()].some((u) => u.role === 'admin' && u.status === 'active'))
    out.push('no active admin');
  return out;
}

/** Every way `after` breaks the source rules for a step of `source` (empty when they hold). */
function sourceViolations(
  before: WorkspaceState,
  after: WorkspaceState,
  e: Event,
  source: MembershipSource,
  setup: Setup,
) {
  const out: string[] = [];
  const was = memberships(before);
  const is = memberships(after);
  const cleanup = (key: string) => {
    // Rule 5: a manual downgrade to End-user removes every membership of a builder-level group.
    const [groupId, userId] = key.split(' ');
    const g = before.groups.get(groupId!)!;
    return e.kind === 'manual-role' && e.user === userId && e.role === 'end-user' && isBuilderLevel(g);
  };
  for (const key of was)
    if (!is.has(key) && !key.endsWith(` ${source}`) && !cleanup(key)) out.push(`removed ${key}`);
  for (const key of is) {
    if (was.has(key)) continue;
    if (!key.endsWith(` ${source}`)) out.push(`added ${key}`);
    const userId = key.split(' ')[1]!;
    if (before.users.get(userId)?.status === 'archived') out.push(`archived ${userId} gained ${key}`);
  }
  if (e.kind === 'scim-deprovision' || e.kind === 'scim-restore')
    if (is.size !== was.size || out.length > 0) out.push('archiving or restoring changed memberships');
  for (const [id, u] of after.users) {
    const from = before.users.get(id)!.role;
    if (roleRank(u.role) < roleRank(from) && e.kind !== 'manual-role') out.push(`${id} lowered by ${e.kind}`);
    if (roleRank(u.role) > roleRank(from)) {
      const consented =
        (e.kind === 'manual-add' && e.confirmed) ||
        e.kind === 'manual-role' ||
        (e.kind === 'sso' && ssoConsented(setup, e)) ||
        ((e.kind === 'scim-add' || e.kind === 'scim-replace') && setup.mayUpgrade[e.via]);
      if (!consented) out.push(`${id} raised to ${u.role} by ${e.kind} without consent`);
    }
  }
  return out;
}

/** A sign-in raises a role only through a confirmed mapping the IdP lists (a role, or a builder-level group). */
const ssoConsented = (setup: Setup, e: Extract<Event, { kind: 'sso' }>) =>
  setup.sso[e.via].mappings.some((m) => m.confirmedBy !== null && e.groups.includes(m.idpGroup));

const connection = (id: string, mapping: ReturnType<typeof eventsOver>['mapping']) =>
  fc.array(mapping, { maxLength: 5 }).map((raw) => ({
    id,
    mappings: raw.map(
      (m): SsoGroupMapping => ({
        idpGroup: m.idpGroup,
        groupId: m.groupId,
        role: m.role,
        confirmedBy: m.confirmed ? 'admin' : null,
        confirmedAt: m.confirmed ? NOW : null,
      }),
    ),
  }));
/** A setup (connections) and events, over 1–3 users and 1–2 groups of the base workspace. */
const scenarios = fc
  .tuple(
    fc.subarray(USERS, { minLength: 1, maxLength: 3 }),
    fc.subarray(GROUPS, { minLength: 1, maxLength: 2 }),
  )
  .chain(([users, groups]) => {
    const { mapping, event } = eventsOver(users, groups);
    const setup: fc.Arbitrary<Setup> = fc.record({
      sso: fc.record({ s1: connection('s1', mapping), s2: connection('s2', mapping) }),
      mayUpgrade: fc.record({ A: fc.boolean(), B: fc.boolean() }),
    });
    return fc.tuple(setup, fc.array(event, { minLength: 1, maxLength: 25 }));
  });

describe('identity sources, property', () => {
  it('SSO, SCIM and manual edits in any order keep SPEC §2 and never touch another source', () => {
    fc.assert(
      fc.property(scenarios, ([chosen, events]) => {
        let s = base.state;
        expect(ruleViolations(s)).toEqual([]);
        for (const e of events) {
          const [after, source] = step(s, e, chosen);
          expect(sourceViolations(s, after, e, source, chosen), e.kind).toEqual([]);
          expect(ruleViolations(after), e.kind).toEqual([]);
          s = after;
        }
      }),
      { numRuns: 300 },
    );
  });
});
