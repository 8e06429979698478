/**
 * The AuthZEN searches over core's access, paged by key: results are in a stable order (ids), a page
 * starts after the last key of the previous one (`after`), so edits between pages neither repeat nor skip
 * the entries that stayed. Subject search: which users may do an action on a resource (an access review);
 * resource search: which resources of a type a user may act on; action search: what a user may do on a
 * resource. The shell makes the keys opaque (a signed page token).
 */
import { compiledAccess } from '../access/compiled-update.ts';
import { liveValues, type WorkspaceState } from '../model.ts';
import { allowedFor, isDecision, resolveSubject, resolveTarget } from './decide.ts';
import type { DecideOptions, DecisionContext, Entity, EvaluationRequest } from './types.ts';
import { ACTIONS, actionsFor, isResourceTypeName, SUBJECT_TYPE } from './vocabulary.ts';

export interface PageRequest {
  /** The last key of the previous page; none for the first. */
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface SearchAnswer<T> {
  readonly results: readonly T[];
  /** The key to continue after, when more results follow. */
  readonly next: string | null;
  /** Why there are no results when the request names something unknown. */
  readonly context?: DecisionContext;
}

const sortedIds = new WeakMap<object, readonly string[]>();
/** The map's keys in order, once per map (a state's maps are immutable). */
function sorted(map: ReadonlyMap<string, unknown>): readonly string[] {
  let ids = sortedIds.get(map);
  if (!ids) sortedIds.set(map, (ids = [...map.keys()].sort()));
  return ids;
}

/** The first index past `after` in sorted ids (binary search). */
function startAt(ids: readonly string[], after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function page<T>(ids: readonly string[], p: PageRequest, pick: (id: string) => T | null): SearchAnswer<T> {
  const results: T[] = [];
  let last: string | null = null;
  for (let i = startAt(ids, p.after); i < ids.length; i++) {
    const hit = pick(ids[i]!);
    if (!hit) continue;
    if (results.length === p.limit) return { results, next: last };
    results.push(hit);
    last = ids[i]!;
  }
  return { results, next: null };
}

const none = <T>(context: DecisionContext): SearchAnswer<T> => ({ results: [], next: null, context });

/** Users who may do `action` on `resource` (active, with the access the panel shows). */
export function searchSubjects(
  state: WorkspaceState,
  req: {
    readonly subject?: { readonly type: string } | undefined;
    readonly action: EvaluationRequest['action'];
    readonly resource: Entity;
  },
  p: PageRequest,
): SearchAnswer<Entity> {
  const type = req.subject?.type ?? SUBJECT_TYPE;
  if (type !== SUBJECT_TYPE)
    return none({
      reason: 'unknown-subject-type',
      reason_admin: { en: `Subjects are of type “${SUBJECT_TYPE}”` },
    });
  const target = resolveTarget(state, req.action, req.resource);
  if (isDecision(target)) return none(target.context);
  const compiled = compiledAccess(state);
  return page(sorted(state.users), p, (userId) => {
    const user = state.users.get(userId)!;
    if (user.status !== 'active' || !allowedFor(compiled.user(userId), state, { user, ...target }))
      return null;
    return { type: SUBJECT_TYPE, id: userId, properties: { email: user.email, name: user.name } };
  });
}

/** Resources of `resource.type` the subject may do `action` on. */
export function searchResources(
  state: WorkspaceState,
  req: {
    readonly subject: Entity;
    readonly action: EvaluationRequest['action'];
    readonly resource: { readonly type: string };
  },
  p: PageRequest,
  options: DecideOptions = {},
): SearchAnswer<Entity> {
  const { type } = req.resource;
  const user = resolveSubject(state, req.subject, options.allowSubject);
  if (isDecision(user)) return none(user.context);
  if (!isResourceTypeName(type))
    return none({
      reason: 'unknown-resource-type',
      reason_admin: { en: `Unknown resource type “${type}”: app, data_source or workspace` },
    });
  const ids =
    type === 'workspace'
      ? [state.meta.slug]
      : type === 'app'
        ? liveIds(state.apps)
        : liveIds(state.dataSources);
  const probe = resolveTarget(state, req.action, { type, id: ids[0] ?? '' });
  if (isDecision(probe) && probe.context.reason !== 'unknown-resource') return none(probe.context);
  const access = compiledAccess(state).user(user.id);
  return page(ids, p, (id) => {
    const target = resolveTarget(state, req.action, { type, id });
    if (isDecision(target)) return null;
    return allowedFor(access, state, { user, ...target }) ? { type, id } : null;
  });
}

const liveCache = new WeakMap<object, readonly string[]>();
function liveIds(
  map: ReadonlyMap<string, { id: string; deletedAt?: number | undefined }>,
): readonly string[] {
  let ids = liveCache.get(map);
  if (!ids) liveCache.set(map, (ids = [...liveValues(map)].map((e) => e.id).sort()));
  return ids;
}

/** The actions the subject may do on the resource, in the vocabulary's order. */
export function searchActions(
  state: WorkspaceState,
  req: { readonly subject: Entity; readonly resource: Entity },
  p: PageRequest,
  options: DecideOptions = {},
): SearchAnswer<{ name: string }> {
  const user = resolveSubject(state, req.subject, options.allowSubject);
  if (isDecision(user)) return none(user.context);
  const { type } = req.resource;
  if (!isResourceTypeName(type))
    return none({
      reason: 'unknown-resource-type',
      reason_admin: { en: `Unknown resource type “${type}”: app, data_source or workspace` },
    });
  const names = actionsFor(type);
  const target = resolveTarget(state, { name: names[0]! }, req.resource);
  if (isDecision(target)) return none(target.context);
  const access = compiledAccess(state).user(user.id);
  // Action names are not sorted: page over their positions (zero-padded, so they sort).
  const keys = names.map((_, i) => String(i).padStart(2, '0'));
  return page(keys, p, (k) => {
    const name = names[Number(k)]!;
    return allowedFor(access, state, { user, ...target, rule: ACTIONS[name]! }) ? { name } : null;
  });
}
