/**
 * core/decisions: AuthZEN decisions over core's access. Examples of the vocabulary (ids, emails, slugs,
 * names; flags; unknown anything → false with a reason), boxcar semantics, paged searches, and the
 * property that decide() says what accessFor (the panel) says, on random states with every
 * rule-breaking part a merge leaves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessFor, decisions, FLAGS, levelRank } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';
import { APP_IDS, DS_IDS, stateArb } from './compiled-access-states.ts';

const { decide, evaluateAll, searchActions, searchResources, searchSubjects, ACTIONS } = decisions;

function workspace() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  const eve = ws.user('eve@corp.com');
  const ivy = ws.user('ivy@corp.com', 'end-user', 'invited');
  const gus = ws.user('gus@corp.com');
  const crm = ws.app('CRM');
  const payroll = ws.app('Payroll');
  const db = ws.dataSource('Payroll DB');
  const endUser = [...ws.state().groups.values()].find((g) => g.role === 'end-user')!;
  for (const g of endUser.grants.values())
    ws.must({ type: 'grant.remove', groupId: endUser.id, grantId: g.id });
  const hr = ws.group('HR');
  const sales = ws.group('Sales');
  ws.must({
    type: 'grant.add',
    groupId: hr,
    grant: {
      name: 'HR apps',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [payroll],
      level: 'view',
      hideFromDashboard: false,
    },
  });
  ws.must({
    type: 'grant.add',
    groupId: sales,
    grant: {
      name: 'CRM',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [crm],
      level: 'edit',
      hideFromDashboard: false,
    },
  });
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve, gus] });
  ws.must({ type: 'user.archive', userId: gus });
  return { ws, ada, eve, ivy, gus, crm, payroll, db, hr, sales };
}

const user = (id: string) => ({ type: 'user', id });
const app = (id: string) => ({ type: 'app', id });

describe('decide', () => {
  it('yes, with the grant path: group and permission', () => {
    const e = workspace();
    const d = decide(e.ws.state(), {
      subject: user(e.eve),
      action: { name: 'view' },
      resource: app(e.payroll),
    });
    expect(d.decision).toBe(true);
    expect(d.context).toMatchObject({
      reason: 'granted',
      level: 'view',
      via: [
        { group: { id: e.hr, name: 'HR', kind: 'custom' }, permission: { name: 'HR apps' }, level: 'view' },
      ],
    });
    expect(d.context.reason_user!.en).toBe('eve can View “Payroll” via “HR” (permission “HR apps”)');
  });

  it('no, with core’s explanation and the smallest change that would grant it', () => {
    const e = workspace();
    const d = decide(e.ws.state(), { subject: user(e.eve), action: { name: 'edit' }, resource: app('crm') });
    expect(d.decision).toBe(false);
    expect(d.context.reason).toBe('not-granted');
    expect(d.context.reason_admin!.en).toContain('No group of eve grants access to “CRM”.');
    expect((d.context.suggestions as { text: string }[])[0]!.text).toBe(
      'Member of “Sales” would give Edit (and make them a Builder: the Builder role gives Edit)',
    );
    // View on Payroll is held; Edit needs more: only suggestions that reach Edit.
    const edit = decide(e.ws.state(), {
      subject: user(e.eve),
      action: { name: 'edit' },
      resource: app('Payroll'),
    });
    expect(edit).toMatchObject({ decision: false, context: { level: 'view', needs: 'edit' } });
    for (const s of edit.context.suggestions as { text: string }[]) expect(s.text).toContain('Edit');
  });

  it('names subjects by id or email, apps by id, slug or name (any case), data sources by id or name', () => {
    const e = workspace();
    const s = e.ws.state();
    for (const id of [e.payroll, 'payroll', 'PAYROLL'])
      expect(
        decide(s, { subject: user('EVE@corp.com'), action: { name: 'view' }, resource: app(id) }).decision,
      ).toBe(true);
    for (const id of [e.db, 'payroll db'])
      expect(
        decide(s, {
          subject: user(e.ada),
          action: { name: 'configure' },
          resource: { type: 'data_source', id },
        }).decision,
      ).toBe(true);
  });

  it('workspace flags on the workspace resource', () => {
    const e = workspace();
    const s = e.ws.state();
    const yes = decide(s, {
      subject: user(e.ada),
      action: { name: 'app.create' },
      resource: { type: 'workspace', id: 'nexus' },
    });
    expect(yes).toMatchObject({ decision: true, context: { reason: 'granted', groups: ['Admin'] } });
    e.ws.must({ type: 'group.setFlags', groupId: e.sales, flags: { folderCRUD: true } });
    const no = decide(e.ws.state(), {
      subject: user(e.eve),
      action: { name: 'folder.manage' },
      resource: { type: 'workspace', id: 'nexus' },
    });
    expect(no.decision).toBe(false);
    expect((no.context.suggestions as { text: string }[])[0]!.text).toBe(
      'Member of “Sales” would give “Folders: create/update/delete” (and make them a Builder)',
    );
  });

  it.each([
    [
      'unknown user',
      { subject: user('nobody'), action: { name: 'view' }, resource: app('crm') },
      'unknown-subject',
    ],
    [
      'unknown subject type',
      { subject: { type: 'group', id: 'x' }, action: { name: 'view' }, resource: app('crm') },
      'unknown-subject-type',
    ],
    [
      'unknown action',
      { subject: user('eve@corp.com'), action: { name: 'delete' }, resource: app('crm') },
      'unknown-action',
    ],
    [
      'unknown resource type',
      { subject: user('eve@corp.com'), action: { name: 'view' }, resource: { type: 'doc', id: 'x' } },
      'unknown-resource-type',
    ],
    [
      'unknown app',
      { subject: user('eve@corp.com'), action: { name: 'view' }, resource: app('nope') },
      'unknown-resource',
    ],
    [
      'action of another type',
      { subject: user('eve@corp.com'), action: { name: 'use' }, resource: app('crm') },
      'action-not-for-resource',
    ],
    [
      'another workspace',
      {
        subject: user('ada@corp.com'),
        action: { name: 'app.create' },
        resource: { type: 'workspace', id: 'other' },
      },
      'unknown-resource',
    ],
    [
      'archived user',
      { subject: user('gus@corp.com'), action: { name: 'view' }, resource: app('payroll') },
      'archived',
    ],
    [
      'invited user',
      { subject: user('ivy@corp.com'), action: { name: 'view' }, resource: app('payroll') },
      'not-joined',
    ],
    ['missing resource', { subject: user('eve@corp.com'), action: { name: 'view' } }, 'invalid-request'],
  ] as const)('%s → false with a reason', (_n, req, reason) => {
    const d = decide(workspace().ws.state(), req);
    expect(d.decision).toBe(false);
    expect(d.context.reason).toBe(reason);
    expect(d.context.reason_admin!.en.length).toBeGreaterThan(0);
  });

  it('a subject the caller may not ask about is an error 403', () => {
    const e = workspace();
    const d = decide(
      e.ws.state(),
      { subject: user(e.ada), action: { name: 'view' }, resource: app('crm') },
      { allowSubject: (u) => u.id === e.eve },
    );
    expect(d).toMatchObject({ decision: false, context: { reason: 'forbidden', error: { status: 403 } } });
  });
});

describe('evaluateAll', () => {
  const items = [
    { resource: app('crm') },
    { resource: app('payroll') },
    { resource: app('nope') },
    { resource: app('payroll') },
  ];
  it('applies defaults, answers in order; the short-circuit semantics stop at the deciding item', () => {
    const e = workspace();
    const s = e.ws.state();
    const base = { subject: user(e.eve), action: { name: 'view' }, evaluations: items };
    expect(evaluateAll(s, base).map((d) => d.decision)).toEqual([false, true, false, true]);
    expect(
      evaluateAll(s, { ...base, options: { evaluations_semantic: 'deny_on_first_deny' } }).map(
        (d) => d.decision,
      ),
    ).toEqual([false]);
    expect(
      evaluateAll(s, { ...base, options: { evaluations_semantic: 'permit_on_first_permit' } }).map(
        (d) => d.decision,
      ),
    ).toEqual([false, true]);
    // An item's own member replaces the default.
    const own = evaluateAll(s, { ...base, evaluations: [{ subject: user(e.ada), resource: app('crm') }] });
    expect(own[0]!.decision).toBe(true);
  });
  it('an item missing a part after its defaults is decision false with context.error', () => {
    const e = workspace();
    const [d] = evaluateAll(e.ws.state(), { subject: user(e.eve), evaluations: [{ resource: app('crm') }] });
    expect(d).toMatchObject({ decision: false, context: { error: { status: 400 } } });
  });
});

describe('searches', () => {
  it('subject search: who may view an app (active users only), paged by key', () => {
    const e = workspace();
    const s = e.ws.state();
    const all = searchSubjects(s, { action: { name: 'view' }, resource: app('payroll') }, { limit: 100 });
    expect(all.results.map((r) => r.properties!.email).sort()).toEqual(['ada@corp.com', 'eve@corp.com']);
    const first = searchSubjects(s, { action: { name: 'view' }, resource: app('payroll') }, { limit: 1 });
    expect(first.results).toHaveLength(1);
    expect(first.next).not.toBeNull();
    const second = searchSubjects(
      s,
      { action: { name: 'view' }, resource: app('payroll') },
      { limit: 1, after: first.next! },
    );
    expect(second.next).toBeNull();
    expect([...first.results, ...second.results]).toEqual(all.results);
    const bad = searchSubjects(s, { action: { name: 'fly' }, resource: app('payroll') }, { limit: 10 });
    expect(bad).toMatchObject({ results: [], next: null, context: { reason: 'unknown-action' } });
  });
  it('resource search: which apps a user may view; action search: what they may do on one', () => {
    const e = workspace();
    const s = e.ws.state();
    const apps = searchResources(
      s,
      { subject: user(e.eve), action: { name: 'view' }, resource: { type: 'app' } },
      { limit: 10 },
    );
    expect(apps.results).toEqual([{ type: 'app', id: e.payroll }]);
    expect(searchActions(s, { subject: user(e.ada), resource: app('crm') }, { limit: 10 }).results).toEqual([
      { name: 'view' },
      { name: 'edit' },
    ]);
    expect(
      searchActions(s, { subject: user(e.eve), resource: app('payroll') }, { limit: 10 }).results,
    ).toEqual([{ name: 'view' }]);
    const flags = searchActions(
      s,
      { subject: user(e.ada), resource: { type: 'workspace', id: 'nexus' } },
      { limit: 4 },
    );
    expect(flags.results).toHaveLength(4);
    const rest = searchActions(
      s,
      { subject: user(e.ada), resource: { type: 'workspace', id: 'nexus' } },
      { limit: 4, after: flags.next! },
    );
    expect(rest.results.map((r) => r.name)).toEqual(['data_source.create', 'data_source.delete']);
  });
});

describe('decide equals the access the panel shows (accessFor)', () => {
  it('for every user, live resource and action of random states', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        for (const u of state.users.values()) {
          const a = accessFor(state, u.id)!;
          const active = u.status === 'active' && a.hasAccess;
          for (const [name, rule] of Object.entries(ACTIONS)) {
            if (rule.kind === 'flag') {
              const d = decide(state, {
                subject: user(u.id),
                action: { name },
                resource: { type: 'workspace', id: 'w' },
              });
              expect(d.decision, `${u.id} ${name}`).toBe(active && a.flags[rule.flag]);
              continue;
            }
            const pool = rule.type === 'app' ? state.apps : state.dataSources;
            for (const id of rule.type === 'app' ? APP_IDS : DS_IDS) {
              const entity = pool.get(id);
              const d = decide(state, {
                subject: user(u.id),
                action: { name },
                resource: { type: rule.type === 'app' ? 'app' : 'data_source', id },
              });
              const want =
                !!entity &&
                entity.deletedAt === undefined &&
                active &&
                levelRank(a.level(rule.type, id)) >= rule.rank;
              expect(d.decision, `${u.id} ${name} ${id}`).toBe(want);
              // Without reasons, the same answer.
              const fast = decide(
                state,
                {
                  subject: user(u.id),
                  action: { name },
                  resource: { type: rule.type === 'app' ? 'app' : 'data_source', id },
                },
                { explain: false },
              );
              expect(fast.decision).toBe(want);
            }
          }
        }
        expect(FLAGS.length).toBe(6);
      }),
      { numRuns: 150 },
    );
  });
});
