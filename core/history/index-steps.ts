/**
 * Building the history index (issue 15): the logged updates replayed in seq order on the doc at the
 * index's head, each one's model changes read by comparing the incremental reader's states before and
 * after it (model-index.ts `modelChanges`), and a checkpoint of the whole model once `checkpointEvery`
 * changes have gathered since the last one (after the update that reaches it: a moment's read is that
 * checkpoint plus fewer changes than that, and one update's). Deterministic: the same updates give the
 * same rows, whoever computes them.
 */
import { encodeModel, type ModelChange, modelChanges } from './model-index.ts';
import type { MomentSource } from './rebuild-at.ts';
import { replay, type TimedStep } from './timeline.ts';

export interface IndexedChange extends ModelChange {
  readonly seq: number;
  readonly at: number;
}

export interface IndexedSteps {
  /** The model at the start (JSON), when asked for: the index's first checkpoint. */
  readonly startModel: string | null;
  readonly changes: IndexedChange[];
  readonly checkpoints: { readonly seq: number; readonly at: number; readonly model: string }[];
  /** Changes since the newest checkpoint, after the last step. */
  readonly sinceCheckpoint: number;
}

export function indexSteps(
  start: MomentSource,
  steps: readonly TimedStep[],
  options: {
    readonly withStartModel: boolean;
    readonly sinceCheckpoint: number;
    readonly checkpointEvery: number;
  },
): IndexedSteps {
  let startModel: string | null = null;
  const changes: IndexedChange[] = [];
  const checkpoints: IndexedSteps['checkpoints'][number][] = [];
  let since = options.sinceCheckpoint;
  // The reader's clock only decides `members`, which the index derives again: any time will do.
  replay(
    start,
    0,
    steps,
    (state) => {
      if (options.withStartModel) startModel = encodeModel(state);
    },
    (prev, next, touched, step) => {
      for (const c of modelChanges(prev, next, touched)) {
        changes.push({ ...c, seq: step.seq, at: step.at });
        since++;
      }
    },
    (state, step) => {
      if (since >= options.checkpointEvery) {
        checkpoints.push({ seq: step.seq, at: step.at, model: encodeModel(state) });
        since = 0;
      }
    },
  );
  return { startModel, changes, checkpoints, sinceCheckpoint: since };
}
