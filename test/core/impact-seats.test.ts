/** Paid seats in the impact (SPEC clarification): admins and builders are billed, end-users are not. */
import { describe, expect, it } from 'vitest';
import { plan } from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function seatsOf(role: 'admin' | 'builder' | 'end-user', from: 'admin' | 'builder' | 'end-user') {
  const ws = createTestWorkspace();
  ws.user('ada@corp.com', 'admin');
  ws.user('bob@corp.com', 'builder');
  const sam = ws.user('sam@corp.com', from);
  const r = plan(ws.state(), { type: 'user.setRole', userId: sam, role, allowRoleChange: true });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.impact;
}

describe('paid seats', () => {
  it('Builder → Admin keeps the seat count (both are paid seats)', () => {
    const impact = seatsOf('admin', 'builder');
    expect(impact).toMatchObject({ seatsBefore: 3, seatsAfter: 3, seatDelta: 0 });
    expect(impact.builderDelta).toBe(-1);
  });

  it('End-user → Builder or Admin takes a seat; Admin → End-user frees one', () => {
    expect(seatsOf('builder', 'end-user')).toMatchObject({ seatsBefore: 2, seatsAfter: 3, seatDelta: 1 });
    expect(seatsOf('admin', 'end-user')).toMatchObject({ seatDelta: 1 });
    expect(seatsOf('end-user', 'admin')).toMatchObject({ seatsBefore: 3, seatsAfter: 2, seatDelta: -1 });
  });

  it('archiving a builder frees a seat; restoring takes it again', () => {
    const ws = createTestWorkspace();
    ws.user('ada@corp.com', 'admin');
    const bob = ws.user('bob@corp.com', 'builder');
    const archive = plan(ws.state(), { type: 'user.archive', userId: bob });
    if (!archive.ok) throw new Error(archive.error.message);
    expect(archive.value.impact).toMatchObject({ seatsBefore: 2, seatsAfter: 1, seatDelta: -1 });
  });
});
