/**
 * A workspace doc in memory: the doc, its peers (sockets) and their awareness, and the pipeline that
 * guards it (ARCHITECTURE.md "Sync server").
 *
 * Invariants:
 * - `doc` only ever holds committed, validated state. Every change — a client's update, a REST command,
 *   a repair — runs through `submit`, one at a time per workspace (serial-queue.ts):
 *     shadow apply → validateChanges → core's checkChange → size check     shadow.ts
 *     → SQLite commit (with its audit row) → apply to `doc` → relay        update-pipeline.ts
 *     → post-commit hooks (memberships, sockets re-check, SSE) → repair    update-pipeline.ts, repair-runner.ts
 *   Client updates are batched (group-commit.ts); the log is compacted in the same queue (compaction.ts).
 * - A refused change is never stored or relayed; the shadow is rebuilt from `doc`. Updates that leave
 *   pending structs are refused.
 * - Catch-up updates (sync step 2) are checked in core's 'merge' mode, live ones in 'strict' mode.
 */
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
  DocReader,
  encodeAwareness,
  encodeUpdate,
  expiredMemberships,
  schema,
  type WorkspaceState,
} from '../../core/index.ts';
import { type ServerClock, SYSTEM_CLOCK } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { AuditStore } from '../storage/audit-store.ts';
import type { DocumentStore, StoredDoc } from '../storage/document-store.ts';
import type { Workspace } from '../storage/workspace-store.ts';
import { capture } from './capture.ts';
import {
  type Actor,
  type Change,
  type ChangeResult,
  type ChangeSource,
  type CommitEvent,
  type DocPeer,
  SERVER_ACTOR,
  UNCHANGED,
} from './change.ts';
import { Compaction } from './compaction.ts';
import { describeChanges } from './describe-changes.ts';
import { EXPIRED_ACTION, ExpirySweep, expiryChange } from './expiry-sweep.ts';
import { GroupCommit } from './group-commit.ts';
import { mayNeedRepair } from './repair-runner.ts';
import { SerialQueue } from './serial-queue.ts';
import { Shadow } from './shadow.ts';
import { UpdatePipeline } from './update-pipeline.ts';

export type {
  Actor,
  Change,
  ChangeError,
  ChangeResult,
  ChangeSource,
  CommitEvent,
  DocPeer,
} from './change.ts';
export { SERVER_ACTOR } from './change.ts';

export interface LiveDocOptions {
  readonly storage: DocumentStore & Pick<AuditStore, 'recentAuditFor'>;
  readonly log: Logger;
  readonly maxDocBytes: number;
  readonly compactAfterUpdates: number;
  /** Post-commit hook run by the server (memberships, sessions). Errors are logged, never thrown. */
  readonly afterCommit?: (live: LiveDoc, event: CommitEvent) => Promise<void> | void;
  /** Cluster mode (sync-server/cluster/doc-feed.ts): hears of each commit, bounds what compaction drops. */
  readonly cluster?: (live: LiveDoc, stored: StoredDoc) => ClusterFeed;
  /** What "now" is for expiring memberships (default: the system's). */
  readonly clock?: ServerClock;
  /** After each compaction that did not fail (the history index follows the log then). */
  readonly afterCompact?: (workspaceId: string) => void;
}

/** A live doc's link to the other instances (cluster mode). */
export interface ClusterFeed {
  /** After a commit is relayed locally: seqs `first` … `seq` written now (none when first > seq), as one update. */
  committed(first: number, seq: number, update: Uint8Array): void;
  /** Every update up to this seq is in the doc (compaction may drop no more). */
  safeSeq(): number;
  /** Brings the doc up to what is committed elsewhere (before a request reads it). */
  catchUp(): Promise<void>;
  close(): void;
}

/** How long after loading a doc its memberships expired meanwhile are removed. */
const LOAD_SWEEP_DELAY_MS = 1_000;

/** The transaction origin of updates committed by another instance. */
const REMOTE_ORIGIN = Symbol('remote');

/** `[0, 0]`: a V1 update with no structs and an empty delete set. */
const isEmptyUpdate = (u: Uint8Array) => u.length === 2 && u[0] === 0 && u[1] === 0;

export class LiveDoc {
  readonly doc: Y.Doc;
  /** Made on first use: its full read of a big doc is not on the path of a client's first sync. */
  private readerInstance: DocReader | null = null;
  get reader(): DocReader {
    this.readerInstance ??= new DocReader(this.doc, this.clock.now);
    return this.readerInstance;
  }
  private readonly clock: ServerClock;
  /** Removes memberships when they expire (expiry-sweep.ts). */
  private readonly expiries: ExpirySweep;
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
  private readonly queue = new SerialQueue();
  private readonly shadow: Shadow;
  private readonly compaction: Compaction;
  private readonly pipeline: UpdatePipeline;
  private readonly batches: GroupCommit;
  private destroyed = false;
  readonly feed: ClusterFeed | null;

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
    this.awareness = this.createAwareness();
    const clock = options.clock ?? SYSTEM_CLOCK;
    this.clock = { now: () => clock.now(), later: (fn, ms) => clock.later(fn, ms) };

    const { storage, log } = options;
    const state = () => this.reader.state();
    const isDestroyed = () => this.destroyed;
    this.shadow = new Shadow(() => this.encodeFullState(), workspace.id, options.maxDocBytes, this.clock.now);
    this.compaction = new Compaction(stored, {
      workspace,
      doc: this.doc,
      state,
      storage,
      log,
      queue: this.queue,
      compactAfterUpdates: options.compactAfterUpdates,
      isDestroyed,
      safeSeq: () => this.feed?.safeSeq() ?? Number.POSITIVE_INFINITY,
      ...(options.afterCompact ? { afterCompact: options.afterCompact } : {}),
    });
    this.pipeline = new UpdatePipeline({
      workspace,
      doc: this.doc,
      state,
      peers: this.peers,
      shadow: this.shadow,
      compaction: this.compaction,
      storage,
      log,
      isDestroyed,
      now: this.clock.now,
      applied: () => {
        this.initial = null;
      },
      committed: (event) => this.committed(event),
      durable: (first, seq, update) => this.feed?.committed(first, seq, update),
      ...(options.cluster ? { repairFence: () => this.feed?.safeSeq() ?? 0 } : {}),
    });
    this.batches = new GroupCommit({
      workspaceSlug: workspace.slug,
      state,
      shadow: this.shadow,
      compaction: this.compaction,
      pipeline: this.pipeline,
      queue: this.queue,
      log,
      isDestroyed,
    });
    this.feed = options.cluster?.(this, stored) ?? null;
    this.expiries = new ExpirySweep({
      clock: this.clock,
      nextExpiry: () => {
        this.reader.state();
        return this.reader.nextExpiry;
      },
      sweep: async () => {
        await this.removeExpired();
      },
      isDestroyed,
    });
    // Memberships that expired while the doc was out of memory go soon after it loads — not on the path
    // of the first sync, which does not read the doc (see `reader`).
    setTimeout(() => this.expiries.schedule(true), LOAD_SWEEP_DELAY_MS).unref();
  }

  /**
   * Removes the memberships expired by now as the server's own change, audited as expired; computed in
   * the doc's queue, so an extension committed just before is never undone. Resolves with how many.
   */
  removeExpired(): Promise<number> {
    return this.queue.run(async () => {
      if (this.destroyed) return 0;
      const now = this.clock.now();
      const state = this.reader.state();
      const expired = expiredMemberships(state, now);
      if (expired.length === 0) return 0;
      const { ops, summary } = expiryChange(state, expired, now);
      const change = { kind: 'ops', ops, action: EXPIRED_ACTION, summary } as const;
      const r = await this.pipeline.process(change, SERVER_ACTOR, 'server', null, 0, this.feed?.safeSeq());
      if (!r.ok)
        this.options.log.error(
          { error: r.error, workspace: this.workspace.slug },
          'removing expired memberships failed',
        );
      return r.ok && r.committed ? expired.length : 0;
    });
  }

  /**
   * Cluster mode: updates another instance committed (durable up to `seq`), applied in the serial queue
   * like a change of ours, relayed to every peer; `accept` (run in the queue) may still drop them.
   */
  applyCommitted(updates: readonly Uint8Array[], seq: number, accept: () => boolean): Promise<void> {
    return this.queue.run(async () => {
      if (this.destroyed || updates.length === 0 || !accept()) return;
      const previous = this.reader.state();
      const { update, changed } = capture(this.doc, () =>
        this.doc.transact(() => {
          for (const u of updates) Y.applyUpdate(this.doc, u, REMOTE_ORIGIN);
        }, REMOTE_ORIGIN),
      );
      this.compaction.appended(seq, updates);
      if (!update) return;
      this.initial = null;
      this.shadow.rebuild();
      const message = encodeUpdate(update);
      for (const peer of this.peers) peer.send(message);
      const state = this.reader.state();
      const entities = describeChanges(this.doc, changed);
      if (entities.length >= 1000 || entities.some((e) => e.collection === 'users'))
        for (const peer of this.peers) peer.recheck(state);
      for (const l of this.listeners) {
        try {
          // Another instance's commit: it announced its own requests (webhooks), none here.
          l({ previous, state, entities, users: new Set(), actor: SERVER_ACTOR, requests: [] });
        } catch (err) {
          this.options.log.error({ err }, 'commit listener failed');
        }
      }
      // What the merge of their updates with ours broke: repaired once, fenced by head_seq.
      if (mayNeedRepair(entities)) await this.pipeline.repairAfterRemote(previous, state);
      this.expiries.schedule();
    });
  }

  /** Awareness of the doc's peers: every change is sent to every peer. */
  private createAwareness(): Awareness {
    const awareness = new Awareness(this.doc);
    awareness.setLocalState(null);
    awareness.on(
      'update',
      ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
        const clients = [...added, ...updated, ...removed];
        if (clients.length === 0 || this.peers.size === 0) return;
        const message = encodeAwareness(encodeAwarenessUpdate(awareness, clients));
        for (const peer of this.peers) peer.send(message);
      },
    );
    return awareness;
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
   * Runs a change through the pipeline; changes of one workspace run strictly one after another. Client
   * updates are group-committed (group-commit.ts).
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
    if (change.kind === 'update') {
      const { update } = change;
      const catchUp = change.catchUp === true;
      return new Promise((resolve) => this.batches.add({ update, catchUp, actor, source, origin, resolve }));
    }
    return this.queue.run(() => this.pipeline.process(change, actor, source, origin, 0));
  }

  /** Resolves when every change submitted so far has finished. */
  async idle(): Promise<void> {
    await this.batches.drained();
    await this.queue.run(async () => {});
  }

  /** Step 5 of the pipeline: the server's hook, then the listeners (SSE); errors are logged. */
  private async committed(event: CommitEvent): Promise<void> {
    this.expiries.schedule();
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
  }

  /** Waits for pending changes, stores a last snapshot, then frees memory. */
  async destroy(): Promise<void> {
    await this.idle();
    if (!this.destroyed) await this.compaction.beforeDestroy();
    this.destroyed = true;
    this.expiries.stop();
    this.feed?.close();
    this.awareness.destroy();
    this.readerInstance?.destroy();
    this.initial = null;
    this.shadow.destroy();
    this.doc.destroy();
    this.listeners.clear();
  }
}
