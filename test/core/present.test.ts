/** The presenter: the end-user texts of a summary, as My access and the extension show them. */
import { describe, expect, it } from 'vitest';
import {
  type AccessSummary,
  accessFor,
  accessText,
  appSections,
  levelText,
  noAccessReason,
  noAccessShort,
  permissionText,
  personText,
  requestAccessMailto,
  requestAccessMessage,
  statusNote,
  summarize,
  type Via,
  viaGrantText,
  viaText,
  whomToAsk,
} from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function workspace() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  ws.must({ type: 'user.rename', userId: ada, name: 'Ada Admin' });
  const bob = ws.user('bob@corp.com', 'builder');
  const eve = ws.user('eve@corp.com');
  const ivy = ws.user('ivy@corp.com', 'end-user', 'invited');
  const arlo = ws.user('arlo@corp.com');
  const crm = ws.app('CRM', ['https://crm.corp.com/*']);
  const payroll = ws.app('Payroll', ['https://hr.corp.com/payroll/*']);
  const endUser = ws.groupByName('End-user');
  for (const g of ws.state().groups.get(endUser)!.grants.values())
    if (g.deletedAt === undefined) ws.must({ type: 'grant.remove', groupId: endUser, grantId: g.id });
  const hr = ws.group('HR');
  ws.must({ type: 'group.addMembers', groupId: hr, userIds: [bob, eve, ivy, arlo] });
  for (const [name, hideFromDashboard] of [
    ['Payroll read', true],
    ['HR apps', false],
  ] as const)
    ws.must({
      type: 'grant.add',
      groupId: hr,
      grant: {
        name,
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [payroll],
        level: 'view',
        hideFromDashboard,
      },
    });
  const makers = ws.group('Makers');
  ws.must({ type: 'group.addMembers', groupId: makers, userIds: [bob] });
  ws.must({ type: 'group.setFlags', groupId: makers, flags: { appCreate: true } });
  ws.must({ type: 'user.archive', userId: arlo });
  const state = ws.state();
  const s = (id: string) => summarize(state, id)!;
  const appOf = (summary: AccessSummary, id: string) => summary.apps.find((a) => a.id === id)!;
  return { state, ada, bob, eve, ivy, arlo, crm, payroll, s, appOf };
}

const via = (over: Partial<Via>): Via => ({
  groupId: 'g',
  groupName: 'HR',
  groupKind: 'custom',
  grantId: 'x',
  grantName: 'HR apps',
  scope: 'custom',
  level: 'view',
  hideFromDashboard: false,
  ...over,
});

describe('present', () => {
  it.each([
    [null, false, 'No access'],
    ['view', false, 'View'],
    ['view', true, 'View (hidden from dashboard)'],
    ['edit', false, 'Edit'],
    ['use', false, 'Build with'],
    ['configure', false, 'Configure'],
  ] as const)('levelText(%s, hidden %s) → %s', (level, hidden, text) => {
    expect(levelText(level, hidden)).toBe(text);
  });

  it.each([
    [[via({})], 'HR (HR apps)'],
    [
      [via({}), via({ grantName: 'Payroll read' }), via({ grantName: 'HR apps' })],
      'HR (HR apps, Payroll read)',
    ],
    [
      [via({ groupName: 'Builder', groupKind: 'default', grantName: 'All apps' }), via({})],
      'Builder role (All apps), HR (HR apps)',
    ],
    [[], ''],
  ])('viaText %# → %s', (list, text) => {
    expect(viaText(list)).toBe(text);
  });

  it('one grant in full, and a level with where it comes from', () => {
    expect(viaGrantText(via({ hideFromDashboard: true }))).toBe(
      'HR: “HR apps” (View, hidden from dashboard)',
    );
    expect(viaGrantText(via({ groupName: 'Builder', groupKind: 'default', level: 'edit' }))).toBe(
      'Builder role: “HR apps” (Edit)',
    );
    expect(accessText({ level: 'view', via: [via({})] })).toBe('View — via HR (HR apps)');
    expect(accessText({ level: null, via: [] })).toBe('No access');
  });

  it('a summary: levels with via, workspace permissions, people', () => {
    const w = workspace();
    const eve = w.s(w.eve);
    const payroll = w.appOf(eve, w.payroll);
    // Hidden only when every grant hides it (rule 2): one of the two shows it.
    expect(accessText(payroll)).toBe('View — via HR (Payroll read, HR apps)');
    expect(permissionText(eve, 'appCreate')).toBe('Apps: create: No');
    const bob = w.s(w.bob);
    expect(permissionText(bob, 'appCreate')).toBe('Apps: create: Yes — via Builder role, Makers');
    expect(personText({ name: 'Ada Admin', email: 'ada@corp.com' })).toBe('Ada Admin <ada@corp.com>');
    expect(personText({ name: '', email: 'ada@corp.com' })).toBe('ada@corp.com');
    expect(w.s(w.eve).admins.map(personText)).toEqual(['Ada Admin <ada@corp.com>']);
  });

  it('no access: why, in a sentence and short', () => {
    const w = workspace();
    const eve = w.s(w.eve);
    expect(w.appOf(eve, w.crm).level).toBeNull();
    expect(noAccessReason(eve, 'CRM')).toBe('No group you are in grants access to CRM.');
    expect(noAccessShort(eve)).toBe('No group grants it');
    expect(statusNote(eve)).toBeNull();
    const arlo = w.s(w.arlo);
    expect(w.appOf(arlo, w.payroll).level).toBeNull();
    expect(noAccessReason(arlo, 'Payroll')).toBe('Your account in Nexus is archived, so it has no access.');
    expect(noAccessShort(arlo)).toBe('Archived: no access');
    expect(statusNote(arlo)).toBe('Archived: no access');
  });

  it('an invited user has what core gives them: the same level and via as an active member', () => {
    const w = workspace();
    const ivy = w.s(w.ivy);
    expect(ivy.user.status).toBe('invited');
    expect(accessFor(w.state, w.ivy)!.app(w.payroll).level).toBe('view');
    expect(accessText(w.appOf(ivy, w.payroll))).toBe(accessText(w.appOf(w.s(w.eve), w.payroll)));
    expect(statusNote(ivy)).toBeNull();
  });

  it('the request for access: to every admin, what and where, addresses that cannot add headers', () => {
    const w = workspace();
    const eve = w.s(w.eve);
    const m = requestAccessMessage(eve, 'CRM', 'https://crm.corp.com/deals');
    expect(m.to).toEqual(['ada@corp.com']);
    expect(m.subject).toBe('Access request: CRM (Nexus)');
    expect(m.body).toContain('Could I get access to “CRM” in the Nexus workspace?');
    expect(m.body).toContain('I was on: https://crm.corp.com/deals');
    expect(m.body).toContain('eve <eve@corp.com>');
    expect(requestAccessMessage(eve, 'CRM').body).not.toContain('I was on');

    const mail = new URL(requestAccessMailto(eve, 'CRM')!);
    expect(mail.protocol).toBe('mailto:');
    expect(mail.searchParams.get('subject')).toBe(m.subject);

    const hostile = {
      ...eve,
      admins: [{ id: 'a', name: 'X', email: 'x@corp.com?bcc=evil@evil.com&body=hi' }],
    };
    const link = new URL(requestAccessMailto(hostile, 'CRM')!);
    expect([...link.searchParams.keys()]).toEqual(['subject', 'body']);
    expect(decodeURIComponent(link.pathname)).toBe('x@corp.com?bcc=evil@evil.com&body=hi');
    expect(requestAccessMailto({ ...eve, admins: [] }, 'CRM')).toBeNull();
  });
});

describe('My access sections (issue 11)', () => {
  it('splits apps into can open, reachable by link, and no access', () => {
    const e = workspace();
    const names = (list: readonly { name: string }[]) => list.map((a) => a.name);
    // Eve: Payroll through "Payroll read" (hidden) and "HR apps" (shown) → shown; CRM: none.
    expect(
      Object.fromEntries(Object.entries(appSections(e.s(e.eve))).map(([k, v]) => [k, names(v)])),
    ).toEqual({
      open: ['Payroll'],
      byLink: [],
      none: ['CRM'],
    });
    const hiddenOnly = {
      apps: e.s(e.eve).apps.map((a) => (a.level ? { ...a, hidden: true } : a)),
    };
    expect(names(appSections(hiddenOnly).byLink)).toEqual(['Payroll']);
    expect(names(appSections(e.s(e.ada)).open)).toEqual(['CRM', 'Payroll']);
    expect(appSections(e.s(e.arlo)).open).toEqual([]);
  });
  it('says whom to ask, or null without admins', () => {
    const e = workspace();
    expect(whomToAsk(e.s(e.eve))).toBe('To get access, ask a workspace admin: Ada Admin <ada@corp.com>.');
    const two = { admins: [...e.s(e.eve).admins, { id: 'b', name: 'Bo', email: 'bo@corp.com' }] };
    expect(whomToAsk(two)).toBe(
      'To get access, ask a workspace admin: Ada Admin <ada@corp.com> or Bo <bo@corp.com>.',
    );
    expect(whomToAsk({ admins: [] })).toBeNull();
  });
});
