/** describeChange: exactly what a change did, old → new, and whom it concerned (issue 11 #9). */
import { describe, expect, it } from 'vitest';
import { type Command, describeChange, describeEntityChange, plan, touchedByOps } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function lines(ws: ReturnType<typeof createTestWorkspace>, command: Command): string[] {
  const before = ws.state();
  const r = plan(before, { allowRoleChange: true, ...command } as Command);
  if (!r.ok) throw new Error(r.error.message);
  return describeChange(before, r.value.after, touchedByOps(r.value.ops)).map(describeEntityChange);
}

describe('describeChange', () => {
  const ws = createTestWorkspace();
  const sam = ws.user('sam@acme.test');
  const hana = ws.user('hana@acme.test');
  const finance = ws.group('Finance');
  const crm = ws.app('crm', ['https://crm.corp.com/*']);

  it('says archived or restored, not just "status"', () => {
    expect(lines(ws, { type: 'user.archive', userId: sam })).toEqual(['User “sam@acme.test”: archived']);
    ws.must({ type: 'user.archive', userId: sam });
    expect(lines(ws, { type: 'user.restore', userId: sam })).toEqual([
      'User “sam@acme.test”: restored (active)',
    ]);
    ws.must({ type: 'user.restore', userId: sam });
  });

  it('gives a role change from → to', () => {
    expect(lines(ws, { type: 'user.setRole', userId: hana, role: 'builder' })).toEqual([
      'User “hana@acme.test”: role “End-user” → “Builder”',
    ]);
  });

  it('names who joined and who left a group', () => {
    expect(lines(ws, { type: 'group.addMembers', groupId: finance, userIds: [sam, hana] })).toEqual([
      'Group “Finance”: added sam@acme.test, hana@acme.test',
    ]);
    ws.must({ type: 'group.addMembers', groupId: finance, userIds: [sam, hana] });
    expect(lines(ws, { type: 'group.removeMember', groupId: finance, userId: hana })).toEqual([
      'Group “Finance”: removed hana@acme.test',
    ]);
  });

  it('names only the field that changed, old → new', () => {
    expect(lines(ws, { type: 'app.update', appId: crm, name: 'CRM' })).toEqual([
      'App “CRM”: name “crm” → “CRM”',
    ]);
  });

  it('describes permissions added and changed, with their level and resources', () => {
    const added = lines(ws, {
      type: 'grant.add',
      groupId: finance,
      grant: {
        name: 'Finance apps',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [crm],
        level: 'view',
        hideFromDashboard: false,
      },
    });
    expect(added).toEqual(['Group “Finance”: permission “Finance apps” added: View on crm']);
    ws.must({
      type: 'grant.add',
      groupId: finance,
      grant: {
        name: 'Finance apps',
        resourceType: 'app',
        scope: 'custom',
        resourceIds: [crm],
        level: 'view',
        hideFromDashboard: false,
      },
    });
    const grantId = [...ws.state().groups.get(finance)!.grants.values()][0]!.id;
    expect(
      lines(ws, { type: 'grant.update', groupId: finance, grantId, patch: { level: 'edit' } }),
    ).toContain('Group “Finance”: permission “Finance apps”: View on crm → Edit on crm');
  });

  it('turning a flag on and off reads with its direction', () => {
    expect(lines(ws, { type: 'group.setFlags', groupId: finance, flags: { appCreate: true } })).toContain(
      'Group “Finance”: Apps: create “off” → “on”',
    );
  });
});
