/** The access catalog and the per-user summary over it: joined, they are `summarize` (issue 10). */
import { describe, expect, it } from 'vitest';
import { generateWorkspace } from '../../bench/generate-workspace.ts';
import {
  accessAt,
  buildCatalog,
  expandSummary,
  readState,
  summarize,
  summarizeUser,
  type WorkspaceState,
} from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function fixture() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  const eve = ws.user('eve@corp.com');
  const gone = ws.user('gone@corp.com');
  const payroll = ws.app('Payroll', ['https://hr.corp.com/payroll/*']);
  const crm = ws.app('CRM', ['https://crm.corp.com/*']);
  ws.dataSource('Payroll DB');
  const endUser = [...ws.state().groups.values()].find((g) => g.role === 'end-user')!;
  for (const g of endUser.grants.values())
    ws.must({ type: 'grant.remove', groupId: endUser.id, grantId: g.id });
  const hr = ws.group('HR');
  ws.must({
    type: 'grant.add',
    groupId: hr,
    grant: {
      name: 'HR apps',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [payroll],
      level: 'view',
      hideFromDashboard: true,
    },
  });
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve, gone] });
  ws.must({ type: 'user.archive', userId: gone });
  return { ws, ada, eve, gone, payroll, crm, hr };
}

function expanded(state: WorkspaceState, userId: string) {
  return expandSummary(buildCatalog(state), summarizeUser(state, userId, 'c1')!);
}
const withoutVersion = <T extends { version: number }>({ version: _v, ...rest }: T) => rest;

describe('buildCatalog', () => {
  it('lists live apps and data sources by name, and nothing of groups or grants', () => {
    const e = fixture();
    e.ws.must({ type: 'app.delete', appId: e.crm });
    const c = buildCatalog(e.ws.state());
    expect(c.format).toBe(2);
    expect(c.apps.map((a) => a.name)).toEqual(['Payroll']);
    expect(c.dataSources.map((d) => d.name)).toEqual(['Payroll DB']);
    expect(JSON.stringify(c)).not.toContain('HR apps');
  });
  it('is the same object after a membership edit, a new one after an app rename', () => {
    const e = fixture();
    const before = buildCatalog(e.ws.state());
    e.ws.must({ type: 'group.removeMember', groupId: e.hr, userId: e.eve });
    expect(buildCatalog(e.ws.state())).toBe(before);
    e.ws.must({ type: 'app.update', appId: e.payroll, name: 'Payroll 2' });
    expect(buildCatalog(e.ws.state())).not.toBe(before);
  });
});

describe('summarizeUser', () => {
  it('carries only reachable resources, as catalog indexes with level, hidden and via', () => {
    const e = fixture();
    const state = e.ws.state();
    const s = summarizeUser(state, e.eve, 'c1')!;
    const catalog = buildCatalog(state);
    expect(s).toMatchObject({ format: 2, catalog: 'c1', apps: { all: null } });
    expect(s.apps.listed).toEqual([
      { level: 'view', hidden: true, via: [0], items: [catalog.apps.findIndex((a) => a.id === e.payroll)] },
    ]);
    expect(s.grants).toEqual([expect.objectContaining({ name: 'HR apps', group: 1, level: 'view' })]);
    expect(s.groups.map((g) => [g.name, g.kind])).toEqual([
      ['End-user', 'default'],
      ['HR', 'custom'],
    ]);
    expect(JSON.stringify(s)).not.toContain('CRM');
    expect(
      accessAt(
        s,
        'app',
        catalog.apps.findIndex((a) => a.id === e.crm),
      ).level,
    ).toBeNull();
  });
  it('an archived user reaches nothing', () => {
    const e = fixture();
    const s = summarizeUser(e.ws.state(), e.gone, 'c1')!;
    expect(s.apps).toEqual({ all: null, listed: [] });
    expect(s.dataSources).toEqual({ all: null, listed: [] });
  });
  it('is null for an unknown user', () => {
    expect(summarizeUser(fixture().ws.state(), 'ghost', 'c1')).toBeNull();
  });
});

describe('expandSummary', () => {
  it('equals summarize for every user of the fixture', () => {
    const e = fixture();
    const state = e.ws.state();
    for (const id of [e.ada, e.eve, e.gone])
      expect(withoutVersion(expanded(state, id))).toEqual(withoutVersion(summarize(state, id)!));
  });
  it('equals summarize for 200 users of a generated workspace, through JSON', () => {
    const g = generateWorkspace({ users: 400, groups: 60, apps: 150, dataSources: 30, seed: 3 });
    const state = readState(g.doc);
    const users = [...state.users.keys()].slice(0, 200);
    const catalog = JSON.parse(JSON.stringify(buildCatalog(state)));
    for (const id of users) {
      const s = JSON.parse(JSON.stringify(summarizeUser(state, id, 'c1')));
      expect(withoutVersion(expandSummary(catalog, s)), id).toEqual(withoutVersion(summarize(state, id)!));
    }
  });
  it('ignores indexes that point nowhere (an untrusted summary)', () => {
    const e = fixture();
    const state = e.ws.state();
    const s = summarizeUser(state, e.eve, 'c1')!;
    const bad = {
      ...s,
      apps: { all: null, listed: [{ level: 'view' as const, hidden: false, via: [7], items: [99] }] },
    };
    const x = expandSummary(buildCatalog(state), bad);
    expect(x.apps.every((a) => a.level === null)).toBe(true);
  });
});
