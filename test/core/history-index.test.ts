/**
 * The history index (issue 15) against the Yjs replay it is derived from, over random command sequences
 * with timestamps: the state read from a checkpoint plus the changes after it equals the state after only
 * the commands before t (and `stateAt` of the same cut), whatever the checkpoint spacing; one user's
 * timeline from the index's changes is the timeline the Yjs replay gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeModel,
  type IndexedChange,
  indexSteps,
  stateFromIndex,
  userTimeline,
  userTimelineFromIndex,
} from '../../core/history/index.ts';
import type { WorkspaceState } from '../../core/index.ts';
import {
  type CommandSpec,
  commandSpec,
  createBaseWorkspace,
  normalizeState,
  REPLICA_EPOCH,
  Replica,
} from '../fixtures/replicas.ts';

const RUNS = Math.max(100, Number(process.env.PROPERTY_RUNS ?? 100));
const TIMEOUT_MS = Math.max(60_000, RUNS * 300);
const base = createBaseWorkspace();

interface Recorded {
  readonly log: { seq: number; at: number; update: Uint8Array }[];
  readonly moments: { at: number; state: WorkspaceState }[];
}

function record(steps: readonly (readonly [CommandSpec, number])[]): Recorded {
  const replica = new Replica('h', 101, base);
  const log: Recorded['log'] = [];
  const moments = [{ at: REPLICA_EPOCH - 1, state: replica.state() }];
  let at = REPLICA_EPOCH;
  for (const [spec, gap] of steps) {
    at += gap;
    const seen = replica.local.length;
    replica.run(spec);
    for (const update of replica.local.slice(seen)) log.push({ seq: log.length + 1, at, update });
    moments.push({ at, state: replica.state() });
  }
  replica.destroy();
  return { log, moments };
}

const steps = fc.array(fc.tuple(commandSpec, fc.integer({ min: 0, max: 3 })), {
  minLength: 1,
  maxLength: 14,
});

/** The index of a recorded history: the base's model at seq 0, checkpoints every `every` updates. */
function indexOf(h: Recorded, every: number) {
  const run = indexSteps({ base: base.update, updates: [] }, h.log, {
    withStartModel: true,
    sinceCheckpoint: 0,
    checkpointEvery: every,
  });
  const checkpoints = [{ seq: 0, at: 0, model: run.startModel! }, ...run.checkpoints];
  return { checkpoints, changes: run.changes };
}

/** The state at t as a store reads it: the newest checkpoint at or before the cut, the changes after it. */
function readAt(ix: ReturnType<typeof indexOf>, h: Recorded, t: number): WorkspaceState {
  const cut = h.log.filter((u) => u.at <= t).reduce((s, u) => Math.max(s, u.seq), 0);
  const cp = ix.checkpoints.filter((c) => c.seq <= cut).at(-1)!;
  const changes = ix.changes.filter((c) => c.seq > cp.seq && c.seq <= cut);
  return stateFromIndex(cp.model, changes, t);
}

const expectedAt = (h: Recorded, t: number) => h.moments.filter((m) => m.at <= t).at(-1)?.state;

describe('history index in core', () => {
  it(
    'the state read from the index at t equals the state after only the commands before t',
    () => {
      fc.assert(
        fc.property(
          steps,
          fc.integer({ min: 1, max: 6 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (s, every, f) => {
            const h = record(s);
            const ix = indexOf(h, every);
            const end = h.moments.at(-1)!.at;
            const t = REPLICA_EPOCH - 1 + Math.floor(f * (end - REPLICA_EPOCH + 2));
            expect(normalizeState(readAt(ix, h, t))).toEqual(normalizeState(expectedAt(h, t) ?? base.state));
            // Every moment of the history, too.
            for (const m of h.moments)
              expect(normalizeState(readAt(ix, h, m.at))).toEqual(normalizeState(expectedAt(h, m.at)!));
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'one user’s timeline from the index is the timeline of the Yjs replay',
    () => {
      fc.assert(
        fc.property(steps, fc.nat(), (s, pick) => {
          const h = record(s);
          const users = [...h.moments.at(-1)!.state.users.keys()].sort();
          const userId = users[pick % users.length]!;
          const ix = indexOf(h, 1_000);
          const mine = (c: IndexedChange) => c.shared || c.entity === `u:${userId}`;
          // Decoded for that user only: the groups hold no one else's memberships.
          const start = decodeModel(ix.checkpoints[0]!.model, userId);
          const { user, ...fromIndex } = userTimelineFromIndex(
            start,
            REPLICA_EPOCH - 1,
            ix.changes.filter(mine),
            userId,
          );
          const replayed = userTimeline({ base: base.update, updates: [] }, REPLICA_EPOCH - 1, h.log, userId);
          expect(fromIndex).toEqual(replayed);
          expect(user).toEqual(h.moments.at(-1)!.state.users.get(userId) ?? null);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it('a change names only what the update changed, keyed by entity; users and conflicts are not shared', () => {
    const h = record([
      [{ k: 'group.create', name: 'Audit' }, 1],
      [{ k: 'group.rename', g: 0, name: 'Audit 2' }, 1],
    ]);
    const ix = indexOf(h, 1_000);
    expect(ix.changes.length).toBeGreaterThan(0);
    for (const c of ix.changes) {
      expect(c.entity).toMatch(/^(u|g|a|d|c):.+$|^meta$/);
      expect(c.shared).toBe(!c.entity.startsWith('u:') && !c.entity.startsWith('c:'));
    }
  });
});
