/**
 * A workspace doc in memory and the update pipeline that guards it (ARCHITECTURE.md "Sync server").
 *
 * Invariant: `doc` only ever holds committed, validated state. Every change — a client's update, a REST
 * command, a repair — runs, one at a time per workspace, through `submit`:
 *   shadow apply → validateChanges → size check → SQLite commit (with its audit row) → apply to `doc`
 *   → relay to sockets → post-commit hooks (memberships, sockets re-check, SSE) → repair (same path).
 * A rejected change is never stored or relayed; the shadow is rebuilt from `doc`.
 */

import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
  applyOps,
  type ChangeCheckOptions,
  type Command,
  checkChange,
  commit,
  conflictOps,
  DocReader,
  encodeAwareness,
  encodeUpdate,
  type Op,
  type Planned,
  plan,
  repair,
  schema,
  touchedByTransaction,
  validateChanges,
  type WorkspaceState,
} from '../../core/index.ts';
import { isActiveAdmin } from '../auth/member-of.ts';
import type { SocketErrorCode } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AuditEntity, AuditEntryInput, AuditStore } from '../storage/audit-store.ts';
import type { DocumentStore, StoredDoc } from '../storage/document-store.ts';
import type { Workspace } from '../storage/workspace-store.ts';
import { capture } from './capture.ts';
import { describeChanges, summarizeEntities } from './describe-changes.ts';

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
    }
  | { readonly kind: 'ops'; readonly ops: readonly Op[]; readonly action: string };

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
  readonly actor: Actor;
}

export interface LiveDocOptions {
  readonly storage: DocumentStore & Pick<AuditStore, 'recentAuditFor'>;
  readonly log: Logger;
  readonly maxDocBytes: number;
  readonly compactAfterUpdates: number;
  /** Post-commit hook run by the server (memberships, sessions). Errors are logged, never thrown. */
  readonly afterCommit?: (live: LiveDoc, event: CommitEvent) => Promise<void> | void;
}

const SHADOW_ORIGIN = Symbol('shadow');
/** Group commit: at most this many client updates (or bytes) per SQLite transaction and relayed message. */
const MAX_BATCH = 512;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

const UNAVAILABLE: ChangeResult = {
  ok: false,
  error: { code: 'unavailable', message: 'Workspace is closing' },
};
const INTERNAL: ChangeResult = { ok: false, error: { code: 'internal', message: 'The change failed' } };
const COMMITTED: ChangeResult = { ok: true, planned: null, committed: true };
const UNCHANGED: ChangeResult = { ok: true, planned: null, committed: false };

/** `[0, 0]`: a V1 update with no structs and an empty delete set. */
const isEmptyUpdate = (u: Uint8Array) => u.length === 2 && u[0] === 0 && u[1] === 0;

/** A client update waiting for the next group commit. */
interface PendingUpdate {
  readonly update: Uint8Array;
  readonly catchUp: boolean;
  readonly actor: Actor;
  readonly source: ChangeSource;
  readonly origin: DocPeer | null;
  readonly resolve: (r: ChangeResult) => void;
}

/** A change applied to the shadow and validated, ready to commit. */
interface Accepted {
  readonly update: Uint8Array;
  readonly entities: readonly AuditEntity[];
  readonly audit: AuditEntryInput;
  readonly actor: Actor;
}

/**
 * Repair reads groups, users, apps and data sources; a change touching none of them (conflict records,
 * workspace meta) cannot break a rule it restores. `describeChanges` caps its list at 1,000 entities: a
 * capped list is treated as touching everything.
 */
const REPAIR_READS = new Set(['groups', 'users', 'apps', 'dataSources']);
function mayNeedRepair(entities: readonly AuditEntity[]): boolean {
  return entities.length >= 1000 || entities.some((e) => REPAIR_READS.has(e.collection));
}
/** How far back the audit is searched for the edits behind a conflict. */
const CONFLICT_LOOKBACK_MS = 10 * 60_000;

export class LiveDoc {
  readonly doc: Y.Doc;
  /** Made on first use: its full read of a big doc is not on the path of a client's first sync. */
  private readerInstance: DocReader | null = null;
  get reader(): DocReader {
    this.readerInstance ??= new DocReader(this.doc);
    return this.readerInstance;
  }
  /**
   * The stored bytes the doc was built from while they still are its whole state (no commit since): the
   * answer to a new client's step 1, without encoding the doc.
   */
  private initial: Uint8Array | null;
  readonly awareness: Awareness;
  readonly peers = new Set<DocPeer>();
  /** Awareness client id → owning peer. */
  readonly awarenessOwners = new Map<number, object>();
  private readonly listeners = new Set<(e: CommitEvent) => void>();
  /** Made on first use (a big doc loads faster) and dropped after a rejection. */
  private shadowDoc: Y.Doc | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private lastSeq: number;
  private bytes: number;
  private updatesSinceSnapshot: number;
  private destroyed = false;

  constructor(
    readonly workspace: Workspace,
    stored: StoredDoc,
    private readonly options: LiveDocOptions,
  ) {
    this.doc = new Y.Doc();
    for (const name of schema.ROOT_NAMES) this.doc.getMap(name);
    this.doc.transact(() => {
      if (stored.snapshot) Y.applyUpdate(this.doc, stored.snapshot);
      for (const u of stored.updates) Y.applyUpdate(this.doc, u);
    });
    this.initial =
      stored.snapshot && stored.updates.length === 0
        ? stored.snapshot
        : !stored.snapshot && stored.updates.length === 1
          ? stored.updates[0]!
          : null;
    this.awareness = new Awareness(this.doc);
    this.awareness.setLocalState(null);
    this.awareness.on(
      'update',
      ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
        const clients = [...added, ...updated, ...removed];
        if (clients.length === 0 || this.peers.size === 0) return;
        const message = encodeAwareness(encodeAwarenessUpdate(this.awareness, clients));
        for (const peer of this.peers) peer.send(message);
      },
    );
    this.lastSeq = stored.lastSeq;
    this.bytes = stored.bytes;
    this.updatesSinceSnapshot = stored.updates.length;
    this.snapshotHasInfo = stored.snapshotInfo !== null;
    if (this.updatesSinceSnapshot >= options.compactAfterUpdates) this.scheduleCompaction();
  }

  state(): WorkspaceState {
    return this.reader.state();
  }

  /** The whole state as one V1 update, for a client that has nothing (empty state vector). */
  encodeFullState(): Uint8Array {
    return this.initial ?? Y.encodeStateAsUpdate(this.doc);
  }

  onCommit(listener: (e: CommitEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs a change through the pipeline; changes of one workspace run strictly one after another.
   * Client updates are group-committed: those that arrive in one turn of the event loop are each applied
   * to the shadow and validated on their own (in arrival order), then committed in one SQLite transaction
   * (one update row and one audit row each) before any of them is relayed, as one merged update.
   */
  submit(
    change: Change,
    actor: Actor,
    source: ChangeSource,
    origin: DocPeer | null = null,
  ): Promise<ChangeResult> {
    // Every client answers our step 1 with what we lack, usually nothing: an empty update (no structs,
    // no deletions) changes nothing, and must not cost a shadow copy of a big doc.
    if (change.kind === 'update' && isEmptyUpdate(change.update)) return Promise.resolve(UNCHANGED);
    if (change.kind === 'update')
      return new Promise((resolve) => {
        this.pending.push({
          update: change.update,
          catchUp: change.catchUp === true,
          actor,
          source,
          origin,
          resolve,
        });
        this.scheduleDrain();
      });
    return this.enqueue(() => this.process(change, actor, source, origin, 0));
  }

  /** Resolves when every change submitted so far has finished. */
  async idle(): Promise<void> {
    while (this.drainScheduled) await this.drainDone;
    await this.enqueue(async () => {});
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => {});
    return run;
  }

  private pending: PendingUpdate[] = [];
  private drainScheduled = false;
  private drainDone: Promise<void> = Promise.resolve();

  /** Drains after the current turn's I/O callbacks, so that updates arriving together commit together. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.drainDone = new Promise((resolve) => {
      setImmediate(() => {
        void this.enqueue(async () => {
          this.drainScheduled = false;
          const batch = this.takeBatch();
          try {
            await this.processUpdates(batch);
          } catch (err) {
            this.options.log.error({ err, workspace: this.workspace.slug }, 'update batch failed');
            this.rebuildShadow();
            for (const item of batch) item.resolve(INTERNAL);
          }
          if (this.pending.length > 0) this.scheduleDrain();
        }).finally(resolve);
      });
    });
  }

  private takeBatch(): PendingUpdate[] {
    let n = 0;
    let bytes = 0;
    while (n < this.pending.length && n < MAX_BATCH && bytes < MAX_BATCH_BYTES)
      bytes += this.pending[n++]!.update.length;
    return this.pending.splice(0, n);
  }

  private copyOfDoc(): Y.Doc {
    const copy = new Y.Doc();
    for (const name of schema.ROOT_NAMES) copy.getMap(name);
    Y.applyUpdate(copy, this.encodeFullState());
    return copy;
  }

  private get shadow(): Y.Doc {
    this.shadowDoc ??= this.copyOfDoc();
    return this.shadowDoc;
  }

  /** Reads the shadow incrementally: the states before and after each client update, for checkChange. */
  private shadowReaderInstance: DocReader | null = null;
  private get shadowReader(): DocReader {
    this.shadowReaderInstance ??= new DocReader(this.shadow);
    return this.shadowReaderInstance;
  }

  private rebuildShadow(): void {
    this.shadowReaderInstance?.destroy();
    this.shadowReaderInstance = null;
    this.shadowDoc?.destroy();
    this.shadowDoc = null;
  }

  private reject(code: SocketErrorCode, message: string, details?: unknown): ChangeResult {
    this.rebuildShadow();
    return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
  }

  /**
   * Steps 1–2 on the shadow: apply, validate (shape, then the rules of core's checkChange when `rules`
   * is given: client updates), size check. The shadow keeps the change when accepted.
   */
  private check(
    mutate: () => void,
    actor: Actor,
    source: ChangeSource,
    action: string,
    bytesSoFar: number,
    rules: ChangeCheckOptions | null = null,
  ): Accepted | null | { readonly error: ChangeError } {
    const before = rules ? this.shadowReader.state() : null;
    let captured: ReturnType<typeof capture>;
    try {
      captured = capture(this.shadow, mutate);
    } catch {
      return { error: { code: 'malformed-update', message: 'The update could not be decoded' } };
    }
    // An update that needs structs or deletions the server does not have would wait in the shadow and be
    // merged into the next sender's update (stored, relayed and audited as theirs): never keep one.
    const store = this.shadow.store;
    if (store.pendingStructs !== null || store.pendingDs !== null)
      return {
        error: {
          code: 'incomplete-update',
          message: 'The update depends on changes the server does not have; reload to resync',
        },
      };
    const update = captured.update;
    if (update === null) return null;
    const violations = validateChanges(this.shadow, captured.changed);
    if (violations.length > 0) {
      const first = violations[0]!;
      return {
        error: {
          code: 'invalid-update',
          message: `Rejected: ${first.message}`.slice(0, 200),
          details: violations.slice(0, 20),
        },
      };
    }
    if (before && rules) {
      const touched = touchedByTransaction(this.shadow, captured.changed);
      const broken = checkChange(before, this.shadowReader.state(), touched, rules);
      if (broken.length > 0)
        return {
          error: {
            code: 'invalid-update',
            message: `Rejected: ${broken[0]!.message}`.slice(0, 200),
            details: broken.slice(0, 20),
          },
        };
    }
    if (bytesSoFar + update.length > this.options.maxDocBytes)
      return { error: { code: 'doc-too-large', message: 'The workspace document is too large' } };
    const entities = describeChanges(this.shadow, captured.changed);
    const audit: AuditEntryInput = {
      workspaceId: this.workspace.id,
      at: Date.now(),
      actorId: actor.accountId,
      actorEmail: actor.email,
      actorName: actor.name,
      source,
      action,
      entities,
      summary: summarizeEntities(entities),
    };
    return { update, entities, audit, actor };
  }

  private async process(
    change: Change,
    actor: Actor,
    source: ChangeSource,
    origin: DocPeer | null,
    depth: number,
  ): Promise<ChangeResult> {
    if (this.destroyed) return UNAVAILABLE;
    const previous = this.reader.state();
    let planned: Planned | null = null;
    let action = 'doc.update';
    if (change.kind === 'command') {
      const result = plan(previous, change.command, { now: Date.now(), trusted: change.trusted === true });
      if (!result.ok) return { ok: false, error: result.error };
      planned = result.value;
      action = change.command.type;
      if (change.dryRun) return { ok: true, planned, committed: false };
    } else if (change.kind === 'ops') action = change.action;

    const checked = this.check(
      () => {
        if (change.kind === 'update') Y.applyUpdate(this.shadow, change.update, SHADOW_ORIGIN);
        else if (change.kind === 'ops') applyOps(this.shadow, [...change.ops], SHADOW_ORIGIN);
        else commit(this.shadow, planned!, SHADOW_ORIGIN);
      },
      actor,
      source,
      action,
      this.bytes,
    );
    if (checked === null) return { ok: true, planned, committed: false };
    if ('error' in checked)
      return this.reject(checked.error.code, checked.error.message, checked.error.details);
    const stored = await this.commitAccepted([checked], previous, origin, depth);
    if (!stored) return this.reject('storage-failed', 'The change could not be stored');
    return { ok: true, planned, committed: true };
  }

  /** A group of client updates: each checked on its own; the accepted prefix is committed together. */
  private async processUpdates(batch: PendingUpdate[]): Promise<void> {
    if (this.destroyed) {
      for (const item of batch) item.resolve(UNAVAILABLE);
      return;
    }
    const previous = this.reader.state();
    const accepted: Accepted[] = [];
    const acceptedItems: PendingUpdate[] = [];
    const unchanged: PendingUpdate[] = [];
    let bytes = this.bytes;
    let refused: { item: PendingUpdate; error: ChangeError } | null = null;
    let i = 0;
    for (; i < batch.length; i++) {
      const item = batch[i]!;
      const checked = this.check(
        () => Y.applyUpdate(this.shadow, item.update, SHADOW_ORIGIN),
        item.actor,
        item.source,
        'doc.update',
        bytes,
        { mode: item.catchUp ? 'merge' : 'strict', trusted: false },
      );
      if (checked === null) unchanged.push(item);
      else if ('error' in checked) {
        refused = { item, error: checked.error };
        break;
      } else {
        bytes += checked.update.length;
        accepted.push(checked);
        acceptedItems.push(item);
      }
    }
    // The ones after a refused update wait for the next batch. The shadow still holds the refused update:
    // rebuild it now, before the accepted ones are committed and repaired (repair runs on the shadow).
    if (refused) {
      this.pending.unshift(...batch.slice(i + 1));
      this.rebuildShadow();
    }
    const origins = new Set(acceptedItems.map((a) => a.origin));
    const stored =
      accepted.length === 0 ||
      (await this.commitAccepted(
        accepted,
        previous,
        origins.size === 1 ? acceptedItems[0]!.origin : null,
        0,
      ));
    if (!stored) {
      this.rebuildShadow();
      for (const item of acceptedItems)
        item.resolve({
          ok: false,
          error: { code: 'storage-failed', message: 'The change could not be stored' },
        });
    } else for (const item of acceptedItems) item.resolve(COMMITTED);
    for (const item of unchanged) item.resolve(UNCHANGED);
    if (refused)
      refused.item.resolve(this.reject(refused.error.code, refused.error.message, refused.error.details));
  }

  /**
   * Steps 3–6 for changes already applied to the shadow and validated: commit durably with their audit
   * rows (one transaction), then apply to `doc`, relay, run the post-commit hooks and repair. False when
   * storing failed (nothing was applied or relayed; the caller rebuilds the shadow).
   */
  private async commitAccepted(
    accepted: readonly Accepted[],
    previous: WorkspaceState,
    origin: DocPeer | null,
    depth: number,
  ): Promise<boolean> {
    try {
      this.lastSeq = await this.options.storage.appendUpdates(
        this.workspace.id,
        accepted.map((a) => ({ update: a.update, audit: a.audit })),
      );
    } catch (err) {
      this.options.log.error({ err, workspace: this.workspace.slug }, 'storing an update failed');
      return false;
    }
    const update =
      accepted.length === 1 ? accepted[0]!.update : Y.mergeUpdates(accepted.map((a) => a.update));
    for (const a of accepted) this.bytes += a.update.length;
    this.initial = null;
    this.updatesSinceSnapshot += accepted.length;

    // 4. Now everyone may see it (the sender of every part of it excepted).
    Y.applyUpdate(this.doc, update, SHADOW_ORIGIN);
    const message = encodeUpdate(update);
    for (const peer of this.peers) if (peer !== origin) peer.send(message);

    // 5. Post-commit hooks.
    const state = this.reader.state();
    const entities = accepted.length === 1 ? accepted[0]!.entities : accepted.flatMap((a) => a.entities);
    const event: CommitEvent = { previous, state, entities, actor: accepted[0]!.actor };
    if (entities.some((e) => e.collection === 'users')) for (const peer of this.peers) peer.recheck(state);
    try {
      await this.options.afterCommit?.(this, event);
    } catch (err) {
      this.options.log.error({ err }, 'post-commit hook failed');
    }
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.options.log.error({ err }, 'commit listener failed');
      }
    }
    if (this.updatesSinceSnapshot >= this.options.compactAfterUpdates) this.scheduleCompaction();

    // 6. Repair what the merge broke, as the server's own change — unless nothing it reads changed.
    if (depth === 0 && accepted.some((a) => mayNeedRepair(a.entities))) await this.runRepair(previous, state);
    return true;
  }

  private async runRepair(previous: WorkspaceState, state: WorkspaceState): Promise<void> {
    let result: ReturnType<typeof repair>;
    try {
      result = repair(state, { previous, now: Date.now() });
    } catch (err) {
      this.options.log.error({ err }, 'repair threw');
      return;
    }
    if (result.ops.length === 0 && result.conflicts.length === 0) return;
    const conflicts = await Promise.all(
      result.conflicts.map(async (c) => {
        const ids = c.entities.map((e) => e.id);
        const recent = await this.options.storage
          .recentAuditFor(this.workspace.id, ids, Date.now() - CONFLICT_LOOKBACK_MS, 6)
          .catch(() => []);
        if (recent.length === 0) return c;
        const edits = recent
          .reverse()
          .map((a) => ({ actor: a.actorName || a.actorEmail || 'unknown', at: a.at, summary: a.summary }));
        return { ...c, edits };
      }),
    );
    const ops = [...result.ops, ...conflictOps(conflicts)];
    const r = await this.process({ kind: 'ops', ops, action: 'repair' }, SERVER_ACTOR, 'server', null, 1);
    if (!r.ok)
      this.options.log.error({ error: r.error, workspace: this.workspace.slug }, 'repair was rejected');
    else
      this.options.log.info(
        { workspace: this.workspace.slug, conflicts: conflicts.length },
        'repaired a merge',
      );
  }

  private compactionScheduled = false;
  private snapshotHasInfo: boolean;
  private scheduleCompaction(): void {
    if (this.compactionScheduled) return;
    this.compactionScheduled = true;
    setImmediate(() => {
      void this.enqueue(async () => {
        this.compactionScheduled = false;
        if (!this.destroyed) await this.compact();
      });
    });
  }

  /**
   * Replaces the snapshot and the log it covers with the doc's state (one transaction), with the facts
   * that let the next load answer a new client before the doc is in memory.
   */
  private async compact(): Promise<void> {
    const snapshot = Y.encodeStateAsUpdate(this.doc);
    const state = this.reader.state();
    const adminEmails = new Set<string>();
    for (const u of state.users.values()) {
      const email = u.email.toLowerCase();
      if (!adminEmails.has(email) && isActiveAdmin(state, email)) adminEmails.add(email);
    }
    const info = { stateVector: Y.encodeStateVector(this.doc), adminEmails: [...adminEmails] };
    try {
      await this.options.storage.compact(this.workspace.id, snapshot, this.lastSeq, info);
      this.bytes = snapshot.length;
      this.updatesSinceSnapshot = 0;
      this.snapshotHasInfo = true;
    } catch (err) {
      this.options.log.error({ err, workspace: this.workspace.slug }, 'compaction failed');
    }
  }

  /** Waits for pending changes, then frees memory. */
  async destroy(): Promise<void> {
    await this.idle();
    // Leaving memory: store one snapshot, so that the next load is one read and a new client can be
    // answered from it at once.
    if (!this.destroyed && (this.updatesSinceSnapshot > 0 || !this.snapshotHasInfo))
      await this.enqueue(() => this.compact());
    this.destroyed = true;
    this.awareness.destroy();
    this.readerInstance?.destroy();
    this.initial = null;
    this.shadowReaderInstance?.destroy();
    this.shadowDoc?.destroy();
    this.doc.destroy();
    this.listeners.clear();
  }
}
