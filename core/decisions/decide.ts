/**
 * One AuthZEN decision over core's access (issue 14): `decide(state, request)` answers
 * `{ decision, context }`. The yes/no is the compiled access (compiled-access.ts, the same rules as
 * accessFor); `context` carries why: for a yes the grant path (group, permission, level), for a no core's
 * explanation (explain.ts) and the smallest changes that would grant it. Anything unknown or malformed is
 * `decision: false` with a reason code, never an exception. Pure.
 */

import type { CompiledUserAccess } from '../access/compiled-access.ts';
import { hasFlag } from '../access/compiled-access.ts';
import { compiledAccess } from '../access/compiled-update.ts';
import type { User, WorkspaceState } from '../model.ts';
import { codeLevel, levelRank } from '../rules/levels.ts';
import { grantedContext, refusedContext } from './reasons.ts';
import { isThisWorkspace, resolveApp, resolveDataSource, resolveUser } from './resolve.ts';
import type { DecideOptions, Decision, DecisionReason, EvaluationRequest, Resolved } from './types.ts';
import { ACTION_NAMES, ACTIONS, isResourceTypeName, resourceTypeOf, SUBJECT_TYPE } from './vocabulary.ts';

const deny = (reason: DecisionReason, text: string, error?: number): Decision => ({
  decision: false,
  context: {
    reason,
    reason_admin: { en: text },
    reason_user: { en: text },
    ...(error !== undefined ? { error: { status: error, message: text } } : {}),
  },
});

/** What an action on a resource resolves to: the rule and the live entity (or the workspace). */
export type Target = Omit<Resolved, 'user'>;

/** Resolves the action and the resource, or the decision that refuses them (unknown, mismatched). */
export function resolveTarget(
  state: WorkspaceState,
  action: EvaluationRequest['action'],
  resource: EvaluationRequest['resource'],
): Target | Decision {
  if (!action || !resource)
    return deny('invalid-request', `The evaluation has no ${action ? 'resource' : 'action'}`, 400);
  const rule = ACTIONS[action.name];
  if (!rule)
    return deny('unknown-action', `Unknown action “${action.name}”: one of ${ACTION_NAMES.join(', ')}`);
  if (!isResourceTypeName(resource.type))
    return deny(
      'unknown-resource-type',
      `Unknown resource type “${resource.type}”: app, data_source or workspace`,
    );
  const forType = resourceTypeOf(rule);
  if (forType !== resource.type)
    return deny('action-not-for-resource', `“${action.name}” applies to ${forType}, not to ${resource.type}`);
  if (rule.kind === 'flag') {
    if (!isThisWorkspace(state, resource.id))
      return deny('unknown-resource', `The workspace resource is “${state.meta.slug}”, not “${resource.id}”`);
    return { rule, resourceId: null, resourceName: state.meta.name };
  }
  const entity = rule.type === 'app' ? resolveApp(state, resource.id) : resolveDataSource(state, resource.id);
  if (!entity) return deny('unknown-resource', `No ${resource.type} “${resource.id}” in this workspace`);
  return { rule, resourceId: entity.id, resourceName: entity.name };
}

/** Resolves the subject: a user of the state the caller may ask about, who has joined. */
export function resolveSubject(
  state: WorkspaceState,
  subject: EvaluationRequest['subject'],
  allowSubject?: (user: User) => boolean,
): User | Decision {
  if (!subject) return deny('invalid-request', 'The evaluation has no subject', 400);
  if (subject.type !== SUBJECT_TYPE)
    return deny('unknown-subject-type', `Subjects are of type “${SUBJECT_TYPE}”, not “${subject.type}”`);
  const user = resolveUser(state, subject.id);
  if (allowSubject && !(user && allowSubject(user)))
    return deny('forbidden', 'Members may ask only about themselves; admins about anyone', 403);
  if (!user) return deny('unknown-subject', `No user “${subject.id}” in this workspace`);
  if (user.status === 'invited')
    return deny('not-joined', `${user.name || user.email} has not accepted the invitation yet: no access`);
  return user;
}

/** Resolves the request's names, or the decision that refuses it (malformed, unknown, not allowed). */
export function resolveRequest(
  state: WorkspaceState,
  req: EvaluationRequest,
  allowSubject?: (user: User) => boolean,
): Resolved | Decision {
  const { subject, action, resource } = req;
  const missing = [!subject && 'subject', !action && 'action', !resource && 'resource'].filter(Boolean);
  if (missing.length > 0) return deny('invalid-request', `The evaluation has no ${missing.join(', ')}`, 400);
  const user = resolveSubject(state, subject, allowSubject);
  if (isDecision(user) && user.context.reason !== 'unknown-subject') return user;
  const target = resolveTarget(state, action, resource);
  if (isDecision(target)) return target;
  if (isDecision(user)) return user;
  return { user, ...target };
}

/** The yes/no of a resolved request, from the compiled access (no allocation). */
export function allowedFor(access: CompiledUserAccess | null, state: WorkspaceState, r: Resolved): boolean {
  if (!access?.hasAccess) return false;
  const { rule } = r;
  if (rule.kind === 'flag') return hasFlag(access.flags, rule.flag);
  const res = compiledAccess(state).resources;
  const i = (rule.type === 'app' ? res.appIndex : res.dataSourceIndex).get(r.resourceId!);
  if (i === undefined) return false;
  const code = rule.type === 'app' ? access.appCode(i) : access.dataSourceCode(i);
  return levelRank(codeLevel(rule.type, code)) >= rule.rank;
}

export function isDecision<T extends object>(x: T | Decision): x is Decision {
  return 'decision' in x;
}

/** One decision: `{ decision, context }`. */
export function decide(state: WorkspaceState, req: EvaluationRequest, options: DecideOptions = {}): Decision {
  const r = resolveRequest(state, req, options.allowSubject);
  if (isDecision(r)) return r;
  const access = compiledAccess(state).user(r.user.id);
  const ok = allowedFor(access, state, r);
  if (options.explain === false)
    return {
      decision: ok,
      context: { reason: ok ? 'granted' : access?.hasAccess ? 'not-granted' : 'archived' },
    };
  return ok
    ? { decision: true, context: grantedContext(state, r) }
    : { decision: false, context: refusedContext(state, r, options.groupSuggestions ?? true) };
}
