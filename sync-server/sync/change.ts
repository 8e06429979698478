/**
 * What goes through a live doc's pipeline (live-doc.ts) and what comes out: the change, who made it, the
 * result, and what post-commit hooks see. Shared by the pipeline's modules and their callers.
 */
import type { AccessRequest, Command, Op, Planned, WorkspaceState } from '../../core/index.ts';
import type { SocketErrorCode } from '../errors.ts';
import type { AuditEntity } from '../storage/audit-store.ts';

/** Who made a change, as the server knows it (never as the client claims). */
export interface Actor {
  readonly accountId: string | null;
  readonly email: string | null;
  readonly name: string | null;
}
export const SERVER_ACTOR: Actor = { accountId: null, email: null, name: 'Gatehouse server' };

export type ChangeSource = 'sync' | 'api' | 'server';

export type Change =
  /**
   * A client's Yjs update. `catchUp`: sent as sync step 2, i.e. what the client wrote while it was not
   * connected; rules that concurrent edits may break are then left to repair (core's checkChange).
   */
  | { readonly kind: 'update'; readonly update: Uint8Array; readonly catchUp?: boolean }
  /** `trusted`: the server's own command (accepting an invitation), which may activate a user. */
  | {
      readonly kind: 'command';
      readonly command: Command;
      readonly dryRun?: boolean;
      readonly trusted?: boolean;
      /** Written in the same transaction as the command (an approved request's new state). */
      readonly alsoOps?: readonly Op[];
      /** The audit row's action, when not the command's type (`request.approve`). */
      readonly action?: string;
      /** Run in the doc's queue first: a reason to refuse the command after all (a decided request). */
      readonly check?: () => ChangeError | null;
    }
  | {
      readonly kind: 'ops';
      readonly ops: readonly Op[];
      readonly action: string;
      /** The History line, when the server says it better than a diff can (an expiry). */
      readonly summary?: string;
      /** Run in the doc's queue first: a reason to refuse the ops after all (a duplicate request). */
      readonly check?: () => ChangeError | null;
    };

export interface ChangeError {
  /** Every code the pipeline refuses with can end the sender's socket. */
  readonly code: SocketErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

export type ChangeResult =
  | { readonly ok: true; readonly planned: Planned | null; readonly committed: boolean }
  | { readonly ok: false; readonly error: ChangeError };

/** A socket attached to the doc (see sync-connection.ts). */
export interface DocPeer {
  send(message: Uint8Array): void;
  /** Called after commits that touched users: close if no longer allowed. */
  recheck(state: WorkspaceState): void;
}

export interface CommitEvent {
  readonly previous: WorkspaceState;
  readonly state: WorkspaceState;
  readonly entities: readonly AuditEntity[];
  /** Every user the change touched (the audit's entity list is capped; this is not). */
  readonly users: ReadonlySet<string>;
  readonly actor: Actor;
  /** The access requests the change wrote, as written (`request.put` ops): webhooks announce them. */
  readonly requests: readonly AccessRequest[];
}

/** The requests a change writes (only the server's ops and commands write any). */
export function requestsWritten(change: Change): AccessRequest[] {
  const ops = change.kind === 'ops' ? change.ops : change.kind === 'command' ? (change.alsoOps ?? []) : [];
  return ops.flatMap((op) => (op.type === 'request.put' ? [op.request] : []));
}

export const UNAVAILABLE: ChangeResult = {
  ok: false,
  error: { code: 'unavailable', message: 'Workspace is closing' },
};
export const INTERNAL: ChangeResult = {
  ok: false,
  error: { code: 'internal', message: 'The change failed' },
};
export const STORAGE_FAILED: ChangeResult = {
  ok: false,
  error: { code: 'storage-failed', message: 'The change could not be stored' },
};
export const COMMITTED: ChangeResult = { ok: true, planned: null, committed: true };
export const UNCHANGED: ChangeResult = { ok: true, planned: null, committed: false };

/** The result of a refused change (the error's `details` only when it has some). */
export function refused(error: ChangeError): ChangeResult {
  const { code, message, details } = error;
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}
