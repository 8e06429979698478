/** Permission history (issue 15): the workspace at a past moment, access maps, diffs between moments. */
export { type AccessBetween, type AccessDelta, accessBetween } from './access-between.ts';
export { type AccessRow, accessKey, accessMap, accessRows } from './access-map.ts';
export { accessSince } from './access-since.ts';
export { attributeCauses, type CausedChange, causeGroups, LatestTouches } from './causes.ts';
export { type IndexedChange, type IndexedSteps, indexSteps } from './index-steps.ts';
export {
  applyChange,
  decodeModel,
  encodeModel,
  type IndexModel,
  modelChanges,
  modelState,
  stateFromIndex,
  usersFromIndex,
} from './model-index.ts';
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
export { type TimedChange, userTimelineFromIndex } from './timeline-index.ts';
export { planUndo, type UndoConflict, type UndoOptions, type UndoPlan } from './undo.ts';
