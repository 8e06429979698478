/**
 * The shadow copy of a live doc, where every change is tried before it may be committed: apply →
 * validateChanges (shape) → core's checkChange (rules, for client updates) → size. A change the checks
 * refuse is never stored or relayed: the caller rebuilds the shadow from the doc's committed state.
 * An update that leaves pending structs or deletions (it needs changes the server does not have) is
 * refused too: kept, it would be merged into the next sender's update and stored as theirs.
 */
import * as Y from 'yjs';
import {
  type AccessRequest,
  type ChangeCheckOptions,
  checkChange,
  DocReader,
  describeChange,
  describeEntityChange,
  schema,
  type Touched,
  touchedByTransaction,
  validateChanges,
  type WorkspaceState,
} from '../../core/index.ts';
import { isActiveAdmin } from '../auth/member-of.ts';
import type { AuditEntity, AuditEntryInput } from '../storage/audit-store.ts';
import { capture } from './capture.ts';
import type { Actor, ChangeError, ChangeSource } from './change.ts';
import { describeChanges, summarizeEntities } from './describe-changes.ts';

/** The transaction origin of the pipeline's own applies (shadow and doc). */
export const SHADOW_ORIGIN = Symbol('shadow');

/** A change applied to the shadow and validated, ready to commit. */
export interface Accepted {
  readonly update: Uint8Array;
  readonly entities: readonly AuditEntity[];
  /** Every user the change touched, uncapped: revocation and socket rechecks must see them all. */
  readonly users: ReadonlySet<string>;
  readonly audit: AuditEntryInput;
  readonly actor: Actor;
  /** The access requests it writes (server changes only; see change.ts `requestsWritten`). */
  readonly requests?: readonly AccessRequest[];
}

export interface CheckInput {
  readonly actor: Actor;
  readonly source: ChangeSource;
  /** The audit row's action: a command type, `doc.update` or `repair`. */
  readonly action: string;
  /** The stored doc's size with the changes accepted before this one. */
  readonly bytesSoFar: number;
  /** Client updates: core's checkChange in this mode; null for commands and ops (plan checked them). */
  readonly rules: ChangeCheckOptions | null;
  /**
   * A client update's sender: it must still be an active admin in the state the update is applied to
   * (an update queued behind the one that demoted its sender is refused, not committed).
   */
  readonly senderEmail?: string | null | undefined;
  /** The History line, when given (expired memberships); else core's description of the change. */
  readonly summary?: string | undefined;
}

/** Accepted; null when the change changes nothing; or why it is refused. */
export type CheckResult = Accepted | null | { readonly error: ChangeError };

const MAX_MESSAGE = 200;
const MAX_DETAILS = 20;

export class Shadow {
  /** Made on first use (a big doc loads faster) and dropped after a rejection. */
  private shadowDoc: Y.Doc | null = null;
  /** Reads the shadow incrementally: the states before and after each client update, for checkChange. */
  private readerInstance: DocReader | null = null;

  constructor(
    /** The committed state as one update (the doc's). */
    private readonly committed: () => Uint8Array,
    private readonly workspaceId: string,
    private readonly maxDocBytes: number,
    /** The server's clock: memberships expired by then are absent from the states compared. */
    private readonly now: () => number = Date.now,
  ) {}

  get doc(): Y.Doc {
    if (!this.shadowDoc) {
      const copy = new Y.Doc();
      for (const name of schema.ROOT_NAMES) copy.getMap(name);
      Y.applyUpdate(copy, this.committed());
      this.shadowDoc = copy;
    }
    return this.shadowDoc;
  }

  private get reader(): DocReader {
    this.readerInstance ??= new DocReader(this.doc, this.now);
    return this.readerInstance;
  }

  /** Drops the shadow (it holds a refused change, or may); the next use copies the doc afresh. */
  rebuild(): void {
    this.readerInstance?.destroy();
    this.readerInstance = null;
    this.shadowDoc?.destroy();
    this.shadowDoc = null;
  }

  /** Applies `mutate` to the shadow and checks what it changed. The shadow keeps an accepted change. */
  check(mutate: (shadow: Y.Doc) => void, input: CheckInput): CheckResult {
    const { rules } = input;
    const before = this.reader.state();
    if (input.senderEmail && !isActiveAdmin(before, input.senderEmail))
      return { error: { code: 'forbidden', message: 'No longer an admin here' } };
    let captured: ReturnType<typeof capture>;
    try {
      captured = capture(this.doc, () => mutate(this.doc));
    } catch {
      return { error: { code: 'malformed-update', message: 'The update could not be decoded' } };
    }
    const store = this.doc.store;
    if (store.pendingStructs !== null || store.pendingDs !== null)
      return {
        error: {
          code: 'incomplete-update',
          message: 'The update depends on changes the server does not have; reload to resync',
        },
      };
    const update = captured.update;
    if (update === null) return null;
    const violations = validateChanges(this.doc, captured.changed);
    if (violations.length > 0) return invalid(violations);
    // Access requests are the server's to write (REST checks them); a client's update may not touch them.
    if (rules && touchesRoot(this.doc, captured.changed, schema.REQUESTS_ROOT))
      return invalid([{ message: 'access requests are written by the server only' }]);
    const after = this.reader.state();
    const touched = touchedByTransaction(this.doc, captured.changed);
    if (rules) {
      const broken = checkChange(before, after, touched, rules);
      if (broken.length > 0) return invalid(broken);
    }
    if (input.bytesSoFar + update.length > this.maxDocBytes)
      return { error: { code: 'doc-too-large', message: 'The workspace document is too large' } };
    const entities = describeChanges(this.doc, captured.changed);
    const audit: AuditEntryInput = {
      workspaceId: this.workspaceId,
      at: Date.now(),
      actorId: input.actor.accountId,
      actorEmail: input.actor.email,
      actorName: input.actor.name,
      source: input.source,
      action: input.action,
      entities,
      summary: input.summary ?? summarize(before, after, touched, entities),
    };
    return { update, entities, users: touched.users, audit, actor: input.actor };
  }

  destroy(): void {
    this.rebuild();
  }
}

/** True when a change reached into the root `name` (any depth). */
function touchesRoot(
  doc: Y.Doc,
  changed: ReadonlyMap<Y.AbstractType<unknown>, unknown>,
  name: string,
): boolean {
  const root = doc.share.get(name);
  if (!root) return false;
  for (const type of changed.keys()) {
    let t: Y.AbstractType<unknown> = type;
    while (t._item !== null) t = t._item.parent as Y.AbstractType<unknown>;
    if (t === root) return true;
  }
  return false;
}

const MAX_SUMMARY = 2000;

/**
 * The History line: what changed, old → new, and whom it concerned (core's describeChange), security
 * relevant entities first; the field list of describeChanges when there is nothing to say in words.
 */
function summarize(
  before: WorkspaceState,
  after: WorkspaceState,
  touched: Touched,
  entities: readonly AuditEntity[],
): string {
  const changes = describeChange(before, after, touched);
  if (changes.length === 0) return summarizeEntities(entities);
  const lines = changes.slice(0, 20).map(describeEntityChange);
  if (changes.length > 20) lines.push(`and ${changes.length - 20} more`);
  const text = lines.join('; ');
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}

function invalid(found: readonly { readonly message: string }[]): { readonly error: ChangeError } {
  return {
    error: {
      code: 'invalid-update',
      message: `Rejected: ${found[0]!.message}`.slice(0, MAX_MESSAGE),
      details: found.slice(0, MAX_DETAILS),
    },
  };
}
