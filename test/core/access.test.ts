/** accessFor, summarize, explain and matchApp. */
import { describe, expect, it } from 'vitest';
import { accessFor, explain, globMatch, matchApp, summarize, validateUrlPattern } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function workspace() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  const bob = ws.user('bob@corp.com', 'builder');
  const eve = ws.user('eve@corp.com');
  const payroll = ws.app('Payroll', ['https://hr.corp.com/payroll/*']);
  const hrPortal = ws.app('HR portal', ['https://hr.corp.com/*']);
  const crm = ws.app('CRM', ['https://*.sales.corp.com/*', 'http://localhost:8080/demo-apps/crm/*']);
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
      resourceIds: [payroll, hrPortal],
      level: 'view',
      hideFromDashboard: true,
    },
  });
  ws.must({
    type: 'grant.add',
    groupId: sales,
    grant: {
      name: 'CRM',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [crm, hrPortal],
      level: 'view',
      hideFromDashboard: false,
    },
  });
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
  return { ws, ada, bob, eve, payroll, hrPortal, crm, db, hr, sales };
}

describe('accessFor', () => {
  it.each([
    ['admin', 'ada', 'payroll', 'edit', false],
    ['builder', 'bob', 'payroll', 'edit', false],
    ['end-user in HR (hidden View)', 'eve', 'payroll', 'view', true],
    ['end-user, app of no group', 'eve', 'crm', null, false],
  ] as const)('%s: %s on %s → %s hidden=%s', (_n, who, what, level, hidden) => {
    const e = workspace();
    const a = accessFor(e.ws.state(), e[who])!.app(e[what]);
    expect(a.level).toBe(level);
    expect(a.hidden).toBe(hidden);
  });
  it('joining Sales un-hides the HR portal (rule 2 across groups)', () => {
    const e = workspace();
    expect(accessFor(e.ws.state(), e.eve)!.app(e.hrPortal).hidden).toBe(true);
    e.ws.must({ type: 'group.addMembers', groupId: e.sales, userIds: [e.eve] });
    const a = accessFor(e.ws.state(), e.eve)!.app(e.hrPortal);
    expect(a).toMatchObject({ level: 'view', hidden: false });
    expect(a.via.map((v) => v.groupName).sort()).toEqual(['HR', 'Sales']);
  });
  it('admins get every flag and Configure on every data source', () => {
    const e = workspace();
    const a = accessFor(e.ws.state(), e.ada)!;
    expect(Object.values(a.flags).every(Boolean)).toBe(true);
    expect(a.dataSource(e.db).level).toBe('configure');
  });
});

describe('summarize', () => {
  it('lists role, groups, every app and data source with level and via, and the admins to ask', () => {
    const e = workspace();
    const s = summarize(e.ws.state(), e.eve)!;
    expect(s.user).toMatchObject({ email: 'eve@corp.com', role: 'end-user', status: 'active' });
    expect(s.groups.map((g) => g.name)).toEqual(['HR']);
    expect(s.apps.map((a) => [a.name, a.level, a.hidden])).toEqual([
      ['CRM', null, false],
      ['HR portal', 'view', true],
      ['Payroll', 'view', true],
    ]);
    expect(s.dataSources).toEqual([expect.objectContaining({ name: 'Payroll DB', level: null })]);
    expect(s.admins).toEqual([{ id: e.ada, name: 'ada', email: 'ada@corp.com' }]);
    expect(s.workspace).toEqual({ slug: 'nexus', name: 'Nexus' });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
  it('is null for an unknown user', () => {
    expect(summarize(workspace().ws.state(), 'ghost')).toBeNull();
  });
});

describe('explain', () => {
  it('says why a level is held, through which group and permission', () => {
    const e = workspace();
    const x = explain(e.ws.state(), e.eve, { type: 'app', id: e.payroll })!;
    expect(x.level).toBe('view');
    expect(x.text.join('\n')).toContain('group “HR” (permission “HR apps”');
    expect(x.text.join('\n')).toContain('hides it from the dashboard');
  });
  it('says why not, and the smallest change that would grant it', () => {
    const e = workspace();
    const x = explain(e.ws.state(), e.eve, { type: 'app', id: e.crm })!;
    expect(x.level).toBeNull();
    expect(x.text[0]).toBe('No group of eve grants access to “CRM”.');
    expect(x.suggestions[0]).toMatchObject({
      groupName: 'Sales',
      level: 'view',
      roleChange: null,
      text: 'Member of “Sales” would give View',
    });
    expect(x.suggestions.some((s) => s.roleChange === 'builder' && s.groupId === null)).toBe(true);
  });
  it('marks suggestions that would upgrade the role', () => {
    const e = workspace();
    e.ws.must({ type: 'group.setFlags', groupId: e.sales, flags: { appCreate: true } });
    const x = explain(e.ws.state(), e.eve, { type: 'app', id: e.crm })!;
    expect(x.suggestions[0]).toMatchObject({ groupName: 'Sales', roleChange: 'builder' });
    expect(x.suggestions[0]!.text).toContain('make them a Builder');
  });
  it('explains archived users', () => {
    const e = workspace();
    e.ws.must({ type: 'user.archive', userId: e.eve });
    const x = explain(e.ws.state(), e.eve, { type: 'app', id: e.payroll })!;
    expect(x.level).toBeNull();
    expect(x.text[0]).toContain('archived');
    expect(x.suggestions).toEqual([]);
  });
  it('is null for unknown users or resources', () => {
    const e = workspace();
    expect(explain(e.ws.state(), 'ghost', { type: 'app', id: e.crm })).toBeNull();
    expect(explain(e.ws.state(), e.eve, { type: 'app', id: 'ghost' })).toBeNull();
  });
});

describe('matchApp', () => {
  it.each([
    ['https://hr.corp.com/payroll/run?x=1', 'Payroll'],
    ['https://HR.corp.com/payroll/', 'Payroll'],
    ['https://hr.corp.com:443/payroll/x', 'Payroll'],
    ['https://hr.corp.com/', 'HR portal'],
    ['https://hr.corp.com/benefits', 'HR portal'],
    ['http://hr.corp.com/', null],
    ['https://eu.sales.corp.com/deals', 'CRM'],
    ['https://sales.corp.com/deals', null],
    ['https://evil.com/?https://hr.corp.com/', null],
    ['https://hr.corp.com.evil.com/', null],
    ['https://user@hr.corp.com/payroll/', 'Payroll'],
    ['http://localhost:8080/demo-apps/crm/', 'CRM'],
    ['http://localhost:8081/demo-apps/crm/', null],
    ['javascript:alert(1)', null],
    ['not a url', null],
  ])('%s → %s', (url, want) => {
    const e = workspace();
    expect(matchApp(e.ws.state(), url)?.name ?? null).toBe(want);
  });
  it('matches hostile URLs against many wildcards in linear time', () => {
    const e = workspace();
    e.ws.must({ type: 'app.create', name: 'Glob', urlPatterns: [`https://a.com/${'*a'.repeat(8)}`] });
    const t = performance.now();
    expect(matchApp(e.ws.state(), `https://a.com/${'a'.repeat(4000)}b`)).toBeNull();
    expect(matchApp(e.ws.state(), `https://a.com/${'xa'.repeat(8)}`)?.name).toBe('Glob');
    expect(performance.now() - t).toBeLessThan(50);
  });
  it.each([
    [['/a/', ''], '/a/x', true],
    [['/a/', '/b'], '/a/x/b', true],
    [['/a/', '/b'], '/a/b', false],
    [['/', 'x', 'y'], '/yx', false],
    [['/', 'x', 'y'], '/xy', true],
    [['/exact'], '/exact', true],
    [['/exact'], '/exactly', false],
  ])('glob %j on %s → %s', (pieces, text, want) => {
    expect(globMatch(pieces, text)).toBe(want);
  });
  it('ignores deleted apps', () => {
    const e = workspace();
    e.ws.must({ type: 'app.delete', appId: e.payroll });
    expect(matchApp(e.ws.state(), 'https://hr.corp.com/payroll/x')?.name).toBe('HR portal');
  });
  it.each([
    ['https://hr.corp.com/*', true],
    ['*://hr.corp.com/*', true],
    ['https://*.corp.com/app/*', true],
    ['http://127.0.0.1:3000/*', true],
    ['https://hr.corp.com', false],
    ['ftp://hr.corp.com/*', false],
    ['https://hr.*.com/*', false],
    ['javascript:alert(1)', false],
    ['', false],
    [`https://hr.corp.com/${'a'.repeat(600)}`, false],
    ['https://*/*', false],
    [`https://a.com/${'*a'.repeat(9)}`, false],
    [`https://a.com/${'*a'.repeat(8)}`, true],
  ])('validateUrlPattern(%s) → %s', (p, ok) => {
    expect(validateUrlPattern(p).ok).toBe(ok);
  });
});
