/**
 * The name index (core/rules/name-index.ts) and the repair that looks only at what a commit touched
 * (core/repair/repair-scope.ts) against the full computations, over the random concurrent edits of the
 * property tests: every state a replica goes through (its own commands, the merges it receives).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyOpsToState,
  checkChange,
  type Group,
  type Op,
  repair,
  touchedByOps,
  type WorkspaceState,
} from '../../core/index.ts';
import { changedIds } from '../../core/repair/repair-scope.ts';
import { deriveNameIndex, findNamed } from '../../core/rules/name-index.ts';
import { sameName } from '../../core/rules/names.ts';
import {
  createBaseWorkspace,
  REPLICA_EPOCH,
  type Replica,
  runScenario,
  type Scenario,
  scenarioArbitrary,
} from '../fixtures/replicas.ts';

const RUNS = Math.max(300, Number(process.env.PROPERTY_RUNS ?? 300));
const base = createBaseWorkspace();
const scenarios = scenarioArbitrary();
const NOW = REPLICA_EPOCH + 1_000_000;

/** Each replica's successive states (structurally shared, as the server's reader makes them). */
function stateSequences(sc: Scenario) {
  const seqs = new Map<Replica, WorkspaceState[]>();
  const note = (r: Replica) => {
    const list = seqs.get(r) ?? [];
    const s = r.state();
    if (list.at(-1) !== s) list.push(s);
    seqs.set(r, list);
  };
  const run = runScenario(base, sc, { step: note, received: note });
  try {
    return [...seqs.values()];
  } finally {
    run.destroy();
  }
}

const isLiveCustom = (g: Group) => g.deletedAt === undefined && g.kind !== 'default';

/** The scan names.ts' groupNamed does. */
function scanNamed(groups: ReadonlyMap<string, Group>, name: string, except: string | undefined) {
  for (const g of groups.values()) if (g.id !== except && isLiveCustom(g) && sameName(g.name, name)) return g;
  return undefined;
}

/** The same state with fresh collection maps: no index derived for them, so lookups build one from scratch. */
const fresh = (s: WorkspaceState): WorkspaceState => ({
  ...s,
  groups: new Map(s.groups),
  apps: new Map(s.apps),
  dataSources: new Map(s.dataSources),
});

const repairOf = (state: WorkspaceState, previous: WorkspaceState, full: boolean) => {
  let n = 0;
  return repair(state, { previous, now: NOW, newId: () => `c${++n}`, full });
};

describe('name index', () => {
  it('finds a holder of a name exactly when a scan of every group does', () => {
    const names = ['HR', 'НR', 'hr ', 'Admin', 'аdmin', 'Sales', 'sales (2)', 'rn', 'm', 'I', 'l'];
    fc.assert(
      fc.property(scenarios, fc.array(fc.constantFrom(...names), { maxLength: 4 }), (sc, extra) => {
        for (const seq of stateSequences(sc))
          for (let i = 1; i < seq.length; i++) {
            const [prev, cur] = [seq[i - 1]!, seq[i]!];
            deriveNameIndex(prev.groups, cur.groups, changedIds(prev.groups, cur.groups));
            const probes = [...prev.groups.values(), ...cur.groups.values()].map((g) => g.name);
            for (const name of [...probes, ...extra])
              for (const except of [undefined, ...cur.groups.keys()].slice(0, 4))
                expect(findNamed(cur.groups, name, except, isLiveCustom)?.id !== undefined).toBe(
                  scanNamed(cur.groups, name, except) !== undefined,
                );
          }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('gives checkChange (as plan calls it) the verdicts of an index built from scratch', () => {
    fc.assert(
      fc.property(scenarios, (sc) => {
        const run = runScenario(base, sc);
        try {
          for (const step of run.steps) {
            if (!step.result.ok) continue;
            const { ops } = step.result.value;
            const after = applyOpsToState(step.before, ops);
            const touched = touchedByOps(ops);
            const options = { mode: 'strict' as const };
            expect(checkChange(step.before, after, touched, options)).toEqual(
              checkChange(fresh(step.before), fresh(after), touched, options),
            );
            // Then renames (each version derived from the one before's index): one group to a new name, and
            // another onto that name.
            const custom = [...after.groups.values()].filter(isLiveCustom);
            if (custom.length < 2) continue;
            const rename = (g: Group, name: string): Op[] => [
              { type: 'entity.set', collection: 'groups', id: g.id, fields: { name } },
            ];
            findNamed(after.groups, 'x', undefined, isLiveCustom);
            const first = rename(custom[0]!, 'Fresh name');
            const renamed = applyOpsToState(after, first);
            checkChange(after, renamed, touchedByOps(first), options);
            const onto = rename(custom[1]!, 'FRESH NАME');
            const clash = applyOpsToState(renamed, onto);
            const verdict = checkChange(renamed, clash, touchedByOps(onto), options);
            expect(verdict).toEqual(checkChange(fresh(renamed), fresh(clash), touchedByOps(onto), options));
            expect(verdict.map((x) => x.code)).toContain('name-taken');
          }
        } finally {
          run.destroy();
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

/** Every id whose entry differs, by a scan of both maps. */
function scanChanged<V>(prev: ReadonlyMap<string, V>, next: ReadonlyMap<string, V>): string[] {
  const ids = new Set([...prev.keys(), ...next.keys()]);
  return [...ids].filter((id) => prev.get(id) !== next.get(id)).sort();
}

describe('repair after a clean state looks only at what changed', () => {
  it('finds the changed entities from the overlay maps exactly', () => {
    fc.assert(
      fc.property(scenarios, (sc) => {
        for (const seq of stateSequences(sc))
          for (let i = 1; i < seq.length; i++)
            for (const c of ['groups', 'users', 'apps', 'dataSources'] as const) {
              const [prev, cur] = [seq[i - 1]![c], seq[i]![c]] as [
                ReadonlyMap<string, unknown>,
                ReadonlyMap<string, unknown>,
              ];
              expect([...changedIds(prev, cur)].sort()).toEqual(scanChanged(prev, cur));
              expect([...changedIds(seq[0]![c], cur)].sort()).toEqual(scanChanged(seq[0]![c], cur));
            }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('repairs exactly as the full repair does, over every state and merge', () => {
    let exercised = 0;
    fc.assert(
      fc.property(scenarios, (sc) => {
        for (const seq of stateSequences(sc)) {
          let prevClean = false;
          for (let i = 1; i < seq.length; i++) {
            const [prev, cur] = [seq[i - 1]!, seq[i]!];
            const full = repairOf(cur, prev, true);
            const scoped = repairOf(cur, prev, false);
            expect(scoped).toEqual(full);
            if (prevClean && full.ops.length > 0) exercised++;
            prevClean = full.ops.length === 0 && full.conflicts.length === 0;
          }
        }
      }),
      { numRuns: RUNS },
    );
    // The scoped path met states that needed repair (not only clean ones).
    expect(exercised).toBeGreaterThan(0);
  }, 180_000);
});
