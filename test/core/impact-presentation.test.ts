/** Issue 11 rough edges: previews name the apps of "all other apps", and flag changes say who gains or loses. */
import { describe, expect, it } from 'vitest';
import { flagChanges, plan, starRowNames } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

describe('starRowNames', () => {
  it('names the apps an "all other apps" row covers, sorted, without those with their own row', () => {
    const ws = createTestWorkspace();
    const eve = ws.user('eve@corp.com', 'end-user');
    const apps = ['Zeta', 'alpha', 'Beta', 'Gamma'].map((n) => ws.app(n));
    const hr = ws.group('HR');
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
    // HR hides Gamma: it gets a row of its own; the rest go from View to Edit in one '*' row.
    ws.must({
      type: 'grant.add',
      groupId: hr,
      grant: {
        name: 'Hidden',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [apps[3]!],
        level: 'view',
        hideFromDashboard: true,
      },
    });
    const planned = plan(ws.state(), {
      type: 'grant.add',
      groupId: hr,
      grant: {
        name: 'All',
        resourceType: 'app',
        scope: 'all',
        resourceIds: [],
        level: 'edit',
        hideFromDashboard: false,
      },
      allowRoleChange: true,
    });
    if (!planned.ok) throw new Error(planned.error.message);
    const star = planned.value.impact.accessChanges.find((a) => a.userId === eve && a.resourceId === '*')!;
    expect(star).toMatchObject({ before: 'view', after: 'edit' });
    const names = starRowNames(ws.state(), planned.value.impact).get(star)!;
    expect(names).toEqual(['alpha', 'Beta', 'Zeta']);
  });
});

describe('flagChanges', () => {
  it('lists every builder who loses a Builder-group flag, and counts those who keep it elsewhere', () => {
    const ws = createTestWorkspace();
    const bob = ws.user('bob@corp.com', 'builder');
    const bea = ws.user('bea@corp.com', 'builder');
    ws.user('eve@corp.com', 'end-user');
    const makers = ws.group('Makers');
    ws.must({ type: 'group.setFlags', groupId: makers, flags: { appCreate: true } });
    ws.must({ type: 'group.addMembers', groupId: makers, userIds: [bea] });
    const builders = ws.groupByName('Builder');
    const planned = plan(ws.state(), {
      type: 'group.setFlags',
      groupId: builders,
      flags: { appCreate: false },
    });
    if (!planned.ok) throw new Error(planned.error.message);
    expect(flagChanges(ws.state(), planned.value.after, builders)).toEqual([
      { flag: 'appCreate', on: false, userIds: [bob], unchanged: 1 },
    ]);
  });
});
