/** The admin app's words for a temporary membership (web/src/lib/state/membership-expiry.ts). */
import { describe, expect, it } from 'vitest';
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
