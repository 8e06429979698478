/**
 * Identity by email (issue 9, disagreement 1): when a merge leaves several users with one email, the
 * server's membership lookup, core's access and repair's survivor are the same user — in random merged
 * states, and in the case that locked a person out (an offline invite of someone who meanwhile accepted).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessFor,
  accessIndex,
  applyOpsToState,
  identityFor,
  plan,
  repair,
  type User,
  type WorkspaceState,
} from '../../core/index.ts';
import { userByEmail } from '../../sync-server/auth/member-of.ts';
import {
  type CommandSpec,
  createBaseWorkspace,
  runScenario,
  type Scenario,
  scenarioArbitrary,
} from '../fixtures/replicas.ts';

/**
 * Random scenarios, half of them opening with two replicas inviting one email concurrently — merged
 * duplicates then happen in every such run, not only when the random commands happen to collide.
 */
const scenarios = fc
  .tuple(
    scenarioArbitrary({ minCommands: 4, maxCommands: 10 }),
    fc.option(fc.constantFrom('nia@corp.io', 'omar@corp.io', 'pat@corp.io'), { freq: 2 }),
  )
  .map(([sc, email]): Scenario => {
    if (email === null) return sc;
    const invite: CommandSpec = { k: 'user.invite', email, role: 'end-user', allow: false };
    return { ...sc, phaseA: sc.phaseA.map((cmds, i) => (i < 2 ? [invite, ...cmds] : cmds)) };
  });

function checkIdentities(s: WorkspaceState): number {
  const byEmail = new Map<string, User[]>();
  for (const u of s.users.values()) byEmail.set(u.email, [...(byEmail.get(u.email) ?? []), u]);
  const repaired = applyOpsToState(s, repair(s, { now: 1 }).ops);
  let duplicates = 0;
  for (const [email, users] of byEmail) {
    const identity = identityFor(s, email);
    expect(userByEmail(s, email)).toBe(identity);
    expect(accessIndex(s).usersByEmail.get(email)).toBe(identity);
    if (users.length < 2) continue;
    duplicates++;
    for (const u of users) if (u !== identity) expect(accessFor(s, u.id)!.user.status).toBe('archived');
    const survivors = users.filter((u) => repaired.users.get(u.id)?.status !== 'archived');
    if (identity!.status !== 'archived') expect(survivors.map((u) => u.id)).toContain(identity!.id);
    expect(survivors.length).toBeLessThanOrEqual(1);
  }
  return duplicates;
}

describe('identity by email', () => {
  const base = createBaseWorkspace();

  it('the server, access and repair pick the same user for every email of random merged states', () => {
    let withDuplicates = 0;
    fc.assert(
      fc.property(scenarios, (sc) => {
        const run = runScenario(base, sc);
        try {
          for (const r of run.replicas) withDuplicates += checkIdentities(r.state()) > 0 ? 1 : 0;
        } finally {
          run.destroy();
        }
      }),
      { numRuns: 100 },
    );
    // The generator must really produce merged duplicates, or the property proves nothing.
    expect(withDuplicates).toBeGreaterThan(0);
  });

  it('an offline invite of someone who accepted meanwhile: the active user is the identity and survives', () => {
    const older: User = {
      id: 'older',
      email: 'dup@acme.test',
      name: 'Dup',
      role: 'end-user',
      status: 'invited',
      createdAt: 1,
    };
    const accepted: User = { ...older, id: 'newer', status: 'active', createdAt: 2, activatedAt: 3 };
    const admin: User = { ...older, id: 'admin', email: 'admin@acme.test', role: 'admin', status: 'active' };
    const s: WorkspaceState = {
      ...base.state,
      users: new Map([
        [admin.id, admin],
        [older.id, older],
        [accepted.id, accepted],
      ]),
    };
    expect(identityFor(s, 'dup@acme.test')!.id).toBe('newer');
    expect(accessFor(s, 'newer')!.hasAccess).toBe(true);
    expect(accessFor(s, 'older')!.user.status).toBe('archived');
    const after = applyOpsToState(s, repair(s, { now: 9 }).ops);
    expect(after.users.get('newer')!.status).toBe('active');
    expect(after.users.get('older')!.status).toBe('archived');
    checkIdentities(s);
  });
});

describe('identity in the impact preview', () => {
  it('renaming the duplicate of an invited admin gives it no access in the impact (as accessFor says)', () => {
    const base = createBaseWorkspace();
    const first: User = {
      id: 'nia-1',
      email: 'nia@corp.io',
      name: '',
      role: 'admin',
      status: 'invited',
      createdAt: 1,
    };
    const second: User = { ...first, id: 'nia-2', createdAt: 2 };
    const users = new Map(base.state.users);
    users.set(first.id, first);
    users.set(second.id, second);
    const s: WorkspaceState = { ...base.state, users };
    const r = plan(s, { type: 'user.rename', userId: 'nia-2', name: 'Nia' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.impact.accessChanges.filter((c) => c.userId === 'nia-2')).toEqual([]);
  });
});
