/** Access requests in core (core/requests): the stored shape, its validation, and what may be asked. */
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import {
  type AccessRequest,
  applyOps,
  planApproval,
  planRequest,
  readRequest,
  readRequests,
  validateChanges,
} from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const NOW = 1_800_000_000_000;
const base: AccessRequest = {
  id: 'r1',
  userId: 'u1',
  resourceType: 'app',
  resourceId: 'a1',
  level: 'edit',
  reason: 'why',
  duration: '7d',
  groupId: 'g1',
  status: 'open',
  createdAt: NOW,
  decidedAt: null,
  decidedBy: null,
  grantedGroupId: null,
  expiresAt: null,
  decisionReason: null,
};

describe('stored requests', () => {
  it.each<[string, object]>([
    ['another id', { id: 'r2' }],
    ['a level of the other type', { level: 'configure' }],
    ['an unknown duration', { duration: '2y' }],
    ['an unknown status', { status: 'maybe' }],
    ['a long reason', { reason: 'x'.repeat(501) }],
    ['an extra field', { extra: 1 }],
    ['no user', { userId: '' }],
  ])('reads %s as no request', (_name, change) => {
    expect(readRequest('r1', { ...base, ...change })).toBeNull();
  });

  it('reads a valid one back, and validation refuses junk in the requests root', () => {
    expect(readRequest('r1', { ...base })).toEqual(base);
    const ws = createTestWorkspace();
    const write = (v: unknown) => {
      let changed = new Map<Y.AbstractType<unknown>, Set<string | null>>();
      const grab = (tr: Y.Transaction) => {
        changed = tr.changed as typeof changed;
      };
      ws.doc.on('afterTransaction', grab);
      ws.doc.transact(() => ws.doc.getMap('requests').set('r1', v));
      ws.doc.off('afterTransaction', grab);
      return validateChanges(ws.doc, changed).map((x) => x.path);
    };
    expect(write({ ...base })).toEqual([]);
    expect(write({ ...base, status: 'maybe' })).toEqual(['requests.r1']);
    applyOps(ws.doc, [{ type: 'request.put', request: base }]);
    expect(readRequests(ws.doc)).toEqual([base]);
  });
});

describe('what may be asked and approved', () => {
  it('proposes the smallest group, refuses what is held, and approval never lengthens the time', () => {
    let t = NOW;
    const ws = createTestWorkspace({ now: () => t });
    const eve = ws.user('eve@corp.com');
    const app = ws.app('Payroll');
    const editors = ws.group('Editors');
    const viewers = ws.group('Viewers');
    const grant = (groupId: string, level: 'view' | 'edit') =>
      ws.must({
        type: 'grant.add',
        groupId,
        grant: {
          name: level,
          resourceType: 'app',
          scope: 'custom',
          resourceIds: [app],
          level,
          hideFromDashboard: false,
        },
        allowRoleChange: true,
      });
    grant(editors, 'edit');
    grant(viewers, 'view');
    const input = {
      resourceType: 'app',
      resourceId: app,
      level: 'edit',
      reason: 'close',
      duration: '1d',
    } as const;
    const r = planRequest(ws.state(), [], eve, input, { now: t, id: 'r1' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.option).toMatchObject({ groupId: editors, meaning: 'This would make you a Builder' });
    expect(planRequest(ws.state(), [r.value.request], eve, input, { now: t, id: 'r2' })).toMatchObject({
      ok: false,
      error: { code: 'request-exists' },
    });
    expect(planRequest(ws.state(), [], eve, { ...input, level: 'view' }, { now: t, id: 'r3' })).toMatchObject(
      {
        ok: false,
        error: { code: 'already-has-access' },
      },
    );
    expect(
      planRequest(ws.state(), [], eve, { ...input, groupId: viewers }, { now: t, id: 'r4' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    t += 1000;
    const by = { now: t, by: 'Ada' };
    expect(planApproval(r.value.request, { expiresAt: null }, by)).toMatchObject({ ok: false });
    const ok = planApproval(r.value.request, { expiresAt: t + 3_600_000 }, by);
    expect(ok).toMatchObject({
      ok: true,
      value: { command: { type: 'group.addMembers', expiresAt: t + 3_600_000 } },
    });
  });
});
