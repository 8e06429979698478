/** Repair after merges: each rule a CRDT merge can break, repaired towards least privilege with a record. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  accessFor,
  applyOps,
  type Command,
  conflictOps,
  DocReader,
  execute,
  isConflictCode,
  reapplyCommand,
  repair,
} from '../../core/index.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

function fork(source: Y.Doc): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(source));
  return doc;
}

function merge(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
}

/** Runs `left` on one replica and `right` on another, merges, repairs; returns the merged reader. */
function concurrently(source: Y.Doc, left: Command[], right: Command[]) {
  const a = fork(source);
  const b = fork(source);
  const previous = new DocReader(source).state();
  for (const [doc, cmds] of [
    [a, left],
    [b, right],
  ] as const) {
    const reader = new DocReader(doc);
    for (const c of cmds) {
      const r = execute(doc, reader.state(), c);
      if (!r.ok) throw new Error(`${c.type}: ${r.error.message}`);
    }
  }
  merge(a, b);
  const reader = new DocReader(a);
  const merged = reader.state();
  const result = repair(merged, { previous });
  applyOps(a, [...result.ops, ...conflictOps(result.conflicts)]);
  return { merged, repaired: reader.state(), result };
}

function setup() {
  const ws = createTestWorkspace();
  const ada = ws.user('ada@corp.com', 'admin');
  const bea = ws.user('bea@corp.com', 'admin');
  const eve = ws.user('eve@corp.com', 'builder');
  const hr = ws.group('HR');
  const app = ws.app('Payroll');
  ws.must({ type: 'group.setFlags', groupId: hr, flags: { appCreate: true } });
  return { ws, ada, bea, eve, hr, app };
}

describe('repair', () => {
  it('an end-user left in a builder-level group: removed, with a record; access ignored it before repair', () => {
    const { ws, eve, hr } = setup();
    const { merged, repaired, result } = concurrently(
      ws.doc,
      [{ type: 'user.setRole', userId: eve, role: 'end-user', allowRoleChange: true }],
      [{ type: 'group.addMembers', groupId: hr, userIds: [eve] }],
    );
    expect(merged.groups.get(hr)!.members.has(eve)).toBe(true);
    expect(accessFor(merged, eve)!.flags.appCreate).toBe(false);
    expect(repaired.groups.get(hr)!.members.has(eve)).toBe(false);
    expect(result.conflicts.map((c) => c.code)).toEqual(['end-user-in-builder-group']);
    expect([...repaired.conflicts.values()][0]).toMatchObject({ code: 'end-user-in-builder-group' });
  });

  it('no active admin left: the oldest former admin is restored', () => {
    const { ws, ada, bea } = setup();
    const { repaired, result } = concurrently(
      ws.doc,
      [{ type: 'user.archive', userId: ada }],
      [{ type: 'user.setRole', userId: bea, role: 'builder', allowRoleChange: true }],
    );
    expect(result.conflicts.map((c) => c.code)).toEqual(['no-active-admin']);
    expect(repaired.users.get(ada)).toMatchObject({ role: 'admin', status: 'active' });
  });

  it('two groups with one name: the newer is renamed', () => {
    const { ws } = setup();
    const { repaired, result } = concurrently(
      ws.doc,
      [{ type: 'group.create', name: 'Finance' }],
      [{ type: 'group.create', name: 'finance' }],
    );
    const names = [...repaired.groups.values()]
      .filter((g) => g.kind === 'custom')
      .map((g) => g.name)
      .sort();
    // The older group (createdAt, then id) keeps its name; which one that is depends on the random ids.
    expect(names).toHaveLength(3);
    expect(names).toContain('HR');
    expect(names.filter((n) => n.toLowerCase() === 'finance')).toHaveLength(1);
    expect(names.filter((n) => n.toLowerCase() === 'finance (2)')).toHaveLength(1);
    expect(result.conflicts.map((c) => c.code)).toEqual(['duplicate-group-name']);
  });

  it('a grant naming a deleted app: the app leaves the grant, the empty grant goes', () => {
    const { ws, hr, app } = setup();
    const { repaired, result } = concurrently(
      ws.doc,
      [{ type: 'app.delete', appId: app }],
      [
        {
          type: 'grant.add',
          groupId: hr,
          grant: {
            name: 'P',
            resourceType: 'app',
            scope: 'custom',
            resourceIds: [app],
            level: 'view',
            hideFromDashboard: false,
          },
        },
      ],
    );
    const grant = [...repaired.groups.get(hr)!.grants.values()].find((g) => g.name === 'P')!;
    expect(grant.resourceIds).toEqual([]);
    expect(grant.deletedAt).toBeTypeOf('number');
    expect(result.conflicts.map((c) => c.code)).toEqual(['grant-names-deleted-resource']);
  });

  it('members added to a deleted group are removed', () => {
    const { ws, hr, eve } = setup();
    const { repaired, result } = concurrently(
      ws.doc,
      [{ type: 'group.delete', groupId: hr }],
      [{ type: 'group.addMembers', groupId: hr, userIds: [eve] }],
    );
    expect(repaired.groups.get(hr)!.members.size).toBe(0);
    expect(result.conflicts.map((c) => c.code)).toEqual(['member-of-deleted-group']);
  });

  it('a user archived meanwhile, added to a group by an offline edit: the membership goes, with a record', () => {
    const { ws, eve, hr } = setup();
    const offline = fork(ws.doc);
    const added = execute(offline, new DocReader(offline).state(), {
      type: 'group.addMembers',
      groupId: hr,
      userIds: [eve],
    });
    expect(added.ok).toBe(true);
    ws.must({ type: 'user.archive', userId: eve });
    const previous = ws.state();
    Y.applyUpdate(ws.doc, Y.encodeStateAsUpdate(offline));
    const merged = ws.state();
    expect(merged.groups.get(hr)!.members.has(eve)).toBe(true);
    const result = repair(merged, { previous });
    expect(result.conflicts.map((c) => c.code)).toEqual(['archived-member-added']);
    applyOps(ws.doc, [...result.ops, ...conflictOps(result.conflicts)]);
    expect(ws.state().groups.get(hr)!.members.has(eve)).toBe(false);
    expect(reapplyCommand(ws.state(), result.conflicts[0]!)).toBeNull();
    expect(repair(ws.state(), { previous })).toEqual({ ops: [], conflicts: [] });
  });

  it('a member archived after joining keeps the membership (rule 7: restoring is lossless)', () => {
    const { ws, eve, hr } = setup();
    const previous = ws.state();
    ws.must({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
    ws.must({ type: 'user.archive', userId: eve });
    expect(repair(ws.state(), { previous })).toEqual({ ops: [], conflicts: [] });
  });

  it('re-apply adds the removed end-users again, through the consent of rule 4', () => {
    const { ws, eve, hr } = setup();
    const { repaired, result } = concurrently(
      ws.doc,
      [{ type: 'user.setRole', userId: eve, role: 'end-user', allowRoleChange: true }],
      [{ type: 'group.addMembers', groupId: hr, userIds: [eve] }],
    );
    const command = reapplyCommand(repaired, result.conflicts[0]!);
    expect(command).toEqual({ type: 'group.addMembers', groupId: hr, userIds: [eve] });
    expect(reapplyCommand(repaired, { ...result.conflicts[0]!, code: 'duplicate-group-name' })).toBeNull();
    expect(reapplyCommand(repaired, { ...result.conflicts[0]!, code: 'from-a-newer-server' })).toBeNull();
    expect(isConflictCode('from-a-newer-server')).toBe(false);
  });

  it('is idempotent and quiet on states that commands produced', () => {
    const { ws } = setup();
    expect(repair(ws.state())).toEqual({ ops: [], conflicts: [] });
  });
});

describe('app and data-source names (SPEC clarification, issue 11 #4)', () => {
  it('two replicas naming apps alike: the older keeps the name, the newer is renamed with a record', () => {
    const ws = createTestWorkspace();
    const a = fork(ws.doc);
    const b = fork(ws.doc);
    const ra = execute(a, new DocReader(a).state(), { type: 'app.create', name: 'CRM' }, { now: 1 });
    const rb = execute(b, new DocReader(b).state(), { type: 'app.create', name: 'crm ' }, { now: 2 });
    expect(ra.ok && rb.ok).toBe(true);
    merge(a, b);
    const state = new DocReader(a).state();
    const { ops, conflicts } = repair(state, { now: 3 });
    applyOps(a, [...ops, ...conflictOps(conflicts)]);
    const names = [...new DocReader(a).state().apps.values()].map((x) => x.name).sort();
    expect(names).toEqual(['CRM', 'crm (2)']);
    expect(conflicts.map((c) => c.code)).toEqual(['duplicate-resource-name', 'duplicate-app-slug']);
    expect(repair(new DocReader(a).state(), { now: 4 }).ops).toEqual([]);
  });
});
