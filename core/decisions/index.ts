/** AuthZEN decisions over core's access (issue 14): the shells' entry points. */
export { allowedFor, decide, isDecision, resolveRequest, resolveSubject, resolveTarget } from './decide.ts';
export {
  EVALUATIONS_SEMANTICS,
  type EvaluationsRequest,
  type EvaluationsSemantic,
  evaluateAll,
  withDefaults,
} from './evaluations.ts';
export type { DecisionSuggestion, GrantPath } from './reasons.ts';
export { resolveApp, resolveDataSource, resolveUser } from './resolve.ts';
export {
  type PageRequest,
  type SearchAnswer,
  searchActions,
  searchResources,
  searchSubjects,
} from './search.ts';
export type {
  ActionRef,
  DecideOptions,
  Decision,
  DecisionContext,
  DecisionReason,
  Entity,
  EvaluationRequest,
} from './types.ts';
export { ACTION_NAMES, ACTIONS, actionsFor, RESOURCE_TYPE_NAMES, SUBJECT_TYPE } from './vocabulary.ts';
