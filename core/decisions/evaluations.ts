/**
 * Boxcarred evaluations (AuthZEN `…/evaluations`): the request's top-level subject, action, resource and
 * context are defaults for each item (an item's own member replaces the default whole); answers come in
 * request order. `execute_all` answers every item; `deny_on_first_deny` and `permit_on_first_permit`
 * stop at the deciding item (it is the last answer). A failing item is `decision: false` with
 * `context.error`; the call as a whole never throws.
 */
import { decide } from './decide.ts';
import type { DecideOptions, Decision, EvaluationRequest } from './types.ts';

export const EVALUATIONS_SEMANTICS = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] as const;
export type EvaluationsSemantic = (typeof EVALUATIONS_SEMANTICS)[number];

export interface EvaluationsRequest extends EvaluationRequest {
  readonly evaluations?: readonly EvaluationRequest[] | undefined;
  readonly options?: { readonly evaluations_semantic?: EvaluationsSemantic | undefined } | undefined;
}

/** An item with the request's defaults filled in. */
export function withDefaults(defaults: EvaluationRequest, item: EvaluationRequest): EvaluationRequest {
  return {
    subject: item.subject ?? defaults.subject,
    action: item.action ?? defaults.action,
    resource: item.resource ?? defaults.resource,
    context: item.context ?? defaults.context,
  };
}

export function evaluateAll(
  state: Parameters<typeof decide>[0],
  req: EvaluationsRequest,
  options: DecideOptions = {},
): Decision[] {
  const semantic = req.options?.evaluations_semantic ?? 'execute_all';
  const out: Decision[] = [];
  for (const item of req.evaluations ?? []) {
    const d = decide(state, withDefaults(req, item), options);
    out.push(d);
    if (semantic === 'deny_on_first_deny' && !d.decision) break;
    if (semantic === 'permit_on_first_permit' && d.decision) break;
  }
  return out;
}
