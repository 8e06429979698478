/** Permission history (issue 15): the workspace at a past moment, access maps, diffs between moments. */
export { type AccessBetween, type AccessDelta, accessBetween } from './access-between.ts';
export { type AccessRow, accessKey, accessMap, accessRows } from './access-map.ts';
export { accessSince } from './access-since.ts';
export { attributeCauses, type CauseEntry } from './causes.ts';
export { docAt, type MomentSource, stateAt } from './rebuild-at.ts';
export {
  type AppEvent,
  appTimeline,
  type LevelChange,
  type TimedStep,
  type UserEvent,
  type UserPoint,
  userPoint,
  userTimeline,
} from './timeline.ts';
export { planUndo, type UndoConflict, type UndoOptions, type UndoPlan } from './undo.ts';
