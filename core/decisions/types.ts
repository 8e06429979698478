/** The AuthZEN request and answer shapes of core/decisions (issue 14). */
import type { User } from '../model.ts';
import type { ActionRule } from './vocabulary.ts';

/** An AuthZEN subject or resource. */
export interface Entity {
  readonly type: string;
  readonly id: string;
  readonly properties?: Readonly<Record<string, unknown>> | undefined;
}
export interface ActionRef {
  readonly name: string;
  readonly properties?: Readonly<Record<string, unknown>> | undefined;
}
/** One evaluation; any part may be missing in a boxcar item before its defaults apply. */
export interface EvaluationRequest {
  readonly subject?: Entity | undefined;
  readonly action?: ActionRef | undefined;
  readonly resource?: Entity | undefined;
  readonly context?: Readonly<Record<string, unknown>> | undefined;
}

export type DecisionReason =
  | 'granted'
  | 'invalid-request'
  | 'forbidden'
  | 'unknown-subject-type'
  | 'unknown-subject'
  | 'not-joined'
  | 'archived'
  | 'unknown-action'
  | 'unknown-resource-type'
  | 'unknown-resource'
  | 'action-not-for-resource'
  | 'not-granted';

export interface DecisionContext {
  readonly reason: DecisionReason;
  readonly reason_admin?: { readonly en: string };
  readonly reason_user?: { readonly en: string };
  /** A failing item of a boxcar (AuthZEN: `decision: false` with `context.error`). */
  readonly error?: { readonly status: number; readonly message: string };
  readonly [key: string]: unknown;
}

export interface Decision {
  readonly decision: boolean;
  readonly context: DecisionContext;
}

export interface DecideOptions {
  /** With reasons (grant path, explanation, suggestions); without, `context` holds the reason code only. */
  readonly explain?: boolean;
  /** Who the caller may ask about; a subject it may not is an error 403 (members ask only about themselves). */
  readonly allowSubject?: ((user: User) => boolean) | undefined;
  /**
   * False when the caller is not an admin: a refusal suggests no group to join (that would name groups
   * the subject is not in), only a role — and costs no access computation per group.
   */
  readonly groupSuggestions?: boolean;
}

/** A resolved request: what the fast check and the reasons read. */
export interface Resolved {
  readonly user: User;
  readonly rule: ActionRule;
  /** The app or data source id; null for the workspace. */
  readonly resourceId: string | null;
  readonly resourceName: string;
}
