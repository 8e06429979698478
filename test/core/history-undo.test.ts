/**
 * Undo one change (issue 15) as properties over random command sequences: undoing the last change gives
 * the access the workspace had before it, and undoing that undo gives back the state after the change;
 * a later edit of the same field is reported as a conflict, kept unless the admin chooses to overwrite.
 * Tombstones are final in the doc, so an undo that deleted what the change created cannot itself be undone
 * (refused with immutable-field), and a deletion cannot be undone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { accessMap, planUndo } from '../../core/history/index.ts';
import { applyOps, plan, readState, type WorkspaceState } from '../../core/index.ts';
import {
  commandSpec,
  createBaseWorkspace,
  normalizeState,
  REPLICA_EPOCH,
  Replica,
} from '../fixtures/replicas.ts';

const RUNS = Math.max(100, Number(process.env.PROPERTY_RUNS ?? 100));
const base = createBaseWorkspace();
const NOW = REPLICA_EPOCH + 10_000;

/** Applies `ops` to a doc holding `state`'s updates and reads it back. */
function applied(doc: Y.Doc, ops: Parameters<typeof applyOps>[1]): WorkspaceState {
  applyOps(doc, ops);
  return readState(doc, NOW);
}

describe('undo one change', () => {
  it(
    'undo(c) restores the access before c; undo(undo(c)) restores the state after c',
    () => {
      fc.assert(
        fc.property(fc.array(commandSpec, { minLength: 1, maxLength: 10 }), (specs) => {
          const r = new Replica('u', 101, base);
          let before = r.state();
          let after = before;
          for (const spec of specs) {
            const s = r.state();
            const step = r.run(spec);
            if (step?.result.ok) [before, after] = [s, r.state()];
          }
          const doc = new Y.Doc();
          Y.applyUpdate(doc, Y.encodeStateAsUpdate(r.doc));
          r.destroy();
          fc.pre(before !== after);
          const undo = planUndo(before, after, after, { now: NOW, allowRoleChange: true });
          fc.pre(undo.ok); // refused by a rule (e.g. it would leave no admin): nothing to check
          if (!undo.ok) return;
          expect(undo.value.conflicts).toEqual([]);
          const u1 = applied(doc, undo.value.ops);
          expect(accessMap(u1)).toEqual(accessMap(before));
          const redo = planUndo(after, u1, u1, { now: NOW + 1, allowRoleChange: true });
          // A tombstone is final (rule of the doc): an undo that deleted what c created cannot be undone.
          if (!redo.ok && redo.error.code === 'immutable-field') return;
          expect(redo.ok, JSON.stringify(!redo.ok && redo.error)).toBe(true);
          if (!redo.ok) return;
          const u2 = applied(doc, redo.value.ops);
          expect(normalizeState(u2)).toEqual(normalizeState(after));
          doc.destroy();
        }),
        { numRuns: RUNS },
      );
    },
    Math.max(60_000, RUNS * 300),
  );

  it('reports a later edit of the same field; keeps it unless told to overwrite', () => {
    const r = new Replica('c', 101, base);
    const create = r.run({ k: 'group.create', name: 'Audit' })!;
    expect(create.result.ok).toBe(true);
    const id = create.result.ok ? create.result.value.createdId! : '';
    const before = r.state();
    const ok = (cmd: Parameters<typeof plan>[1]) => {
      const p = plan(r.state(), cmd, { now: NOW });
      if (!p.ok) throw new Error(p.error.message);
      applyOps(r.doc, p.value.ops);
    };
    ok({ type: 'group.rename', groupId: id, name: 'Auditors' });
    const after = r.state();
    ok({ type: 'group.rename', groupId: id, name: 'Audit team' });
    const now = r.state();
    const kept = planUndo(before, after, now, { now: NOW });
    expect(kept.ok).toBe(false);
    if (!kept.ok)
      expect((kept.error.details as { conflicts: { field: string; now: unknown }[] }).conflicts).toEqual([
        expect.objectContaining({
          field: 'name',
          before: 'Audit',
          afterChange: 'Auditors',
          now: 'Audit team',
        }),
      ]);
    const overwritten = planUndo(before, after, now, { now: NOW, conflicts: 'overwrite' });
    expect(overwritten.ok).toBe(true);
    if (overwritten.ok) expect(overwritten.value.after.groups.get(id)?.name).toBe('Audit');
    r.destroy();
  });
});
