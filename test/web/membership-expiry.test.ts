/** The admin app's words for temporary memberships and requests (membership-expiry.ts, History kinds). */
import { describe, expect, it } from 'vitest';
import { kindsOf } from '../../web/src/lib/services/history.ts';
import { expiresInText, manualExpiry } from '../../web/src/lib/state/membership-expiry.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const NOW = 1_800_000_000_000;
const MIN = 60_000;

describe('membership expiry in the admin app', () => {
  it.each<[number, string]>([
    [-1, 'expired'],
    [0, 'expired'],
    [30_000, 'expires in 1 minute'],
    [5 * MIN, 'expires in 5 minutes'],
    [90 * MIN, 'expires in 2 hours'],
    [3 * 24 * 60 * MIN + 1, 'expires in 3 days'],
  ])('%i ms left reads “%s”', (left, text) => {
    expect(expiresInText(NOW + left, NOW)).toBe(text);
  });

  it('reads the manual membership’s expiry only', () => {
    const t = NOW;
    const ws = createTestWorkspace({ now: () => t });
    const eve = ws.user('eve@corp.com');
    const g = ws.group('Temp');
    ws.must({
      type: 'group.addMembers',
      groupId: g,
      userIds: [eve],
      source: 'scim:c1',
      expiresAt: NOW + MIN,
    });
    expect(manualExpiry(ws.state().groups.get(g)!, eve)).toBeUndefined();
    ws.must({ type: 'group.addMembers', groupId: g, userIds: [eve], expiresAt: NOW + 2 * MIN });
    expect(manualExpiry(ws.state().groups.get(g)!, eve)).toBe(NOW + 2 * MIN);
  });
});

describe('History kinds for requests and expiries', () => {
  it('a request entry is an access request; the server’s removal is an expired membership', () => {
    const request = {
      at: 1,
      action: 'request.create',
      entities: [{ collection: 'requests', id: 'r1', fields: ['(created)'] }],
    };
    const expiry = {
      at: 1,
      action: 'membership.expired',
      entities: [{ collection: 'groups', id: 'g1', fields: ['members'] }],
    };
    expect([...kindsOf(request)]).toContain('requests');
    expect([...kindsOf(expiry)].sort()).toEqual(['expired', 'members']);
  });
});
