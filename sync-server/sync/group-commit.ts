/**
 * Group commit of client updates: those that arrive in one turn of the event loop are each applied to the
 * shadow and validated on their own (in arrival order, live ones in core's 'strict' mode, catch-up ones —
 * sync step 2 — in 'merge' mode), then the accepted prefix is committed in one SQLite transaction (one
 * update row and one audit row each) before any of it is relayed, as one merged update. The updates after
 * a refused one wait for the next batch. A batch runs in the doc's serial queue like any other change.
 */

import * as Y from 'yjs';
import type { WorkspaceState } from '../../core/index.ts';
import type { Logger } from '../log.ts';
import {
  type Actor,
  type ChangeError,
  type ChangeResult,
  type ChangeSource,
  COMMITTED,
  type DocPeer,
  INTERNAL,
  refused,
  STORAGE_FAILED,
  UNAVAILABLE,
  UNCHANGED,
} from './change.ts';
import type { Compaction } from './compaction.ts';
import type { SerialQueue } from './serial-queue.ts';
import { type Accepted, SHADOW_ORIGIN, type Shadow } from './shadow.ts';
import type { UpdatePipeline } from './update-pipeline.ts';

/** At most this many client updates (or bytes) per SQLite transaction and relayed message. */
const MAX_BATCH = 512;
const MAX_BATCH_BYTES = 4 * 1024 * 1024; // 4 MiB

/** A client update waiting for the next group commit. */
export interface PendingUpdate {
  readonly update: Uint8Array;
  readonly catchUp: boolean;
  readonly actor: Actor;
  readonly source: ChangeSource;
  readonly origin: DocPeer | null;
  readonly resolve: (r: ChangeResult) => void;
}

export interface GroupCommitDeps {
  readonly workspaceSlug: string;
  readonly state: () => WorkspaceState;
  readonly shadow: Shadow;
  readonly compaction: Compaction;
  readonly pipeline: UpdatePipeline;
  readonly queue: SerialQueue;
  readonly log: Logger;
  readonly isDestroyed: () => boolean;
}

export class GroupCommit {
  private pending: PendingUpdate[] = [];
  /** The pipeline's `usersVersion` when this batch's senders were last known to be admins. */
  private sendersCheckedAt = -1;
  private drainScheduled = false;
  private drainDone: Promise<void> = Promise.resolve();

  constructor(private readonly deps: GroupCommitDeps) {}

  add(item: PendingUpdate): void {
    this.pending.push(item);
    this.scheduleDrain();
  }

  /** Resolves when no batch is waiting to be drained. */
  async drained(): Promise<void> {
    while (this.drainScheduled) await this.drainDone;
  }

  /** Drains after the current turn's I/O callbacks, so that updates arriving together commit together. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.drainDone = new Promise((resolve) => {
      setImmediate(() => {
        void this.deps.queue
          .run(async () => {
            this.drainScheduled = false;
            const batch = this.takeBatch();
            try {
              await this.process(batch);
            } catch (err) {
              this.deps.log.error({ err, workspace: this.deps.workspaceSlug }, 'update batch failed');
              this.deps.shadow.rebuild();
              for (const item of batch) item.resolve(INTERNAL);
            }
            if (this.pending.length > 0) this.scheduleDrain();
          })
          .finally(resolve);
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

  private async process(batch: PendingUpdate[]): Promise<void> {
    const { shadow, compaction, pipeline } = this.deps;
    if (this.deps.isDestroyed()) {
      for (const item of batch) item.resolve(UNAVAILABLE);
      return;
    }
    const previous = this.deps.state();
    const accepted: Accepted[] = [];
    const acceptedItems: PendingUpdate[] = [];
    const unchanged: PendingUpdate[] = [];
    let bytes = compaction.bytes;
    let refusal: { item: PendingUpdate; error: ChangeError } | null = null;
    // Senders were checked at connect and by the recheck after each commit that touched users; an update
    // queued before such a commit (this batch's or an earlier one) is checked again here. Identity
    // lookups cost O(users), so only then.
    let usersTouched = pipeline.usersVersion !== this.sendersCheckedAt;
    this.sendersCheckedAt = pipeline.usersVersion;
    let i = 0;
    for (; i < batch.length; i++) {
      const item = batch[i]!;
      const checked = shadow.check((doc) => Y.applyUpdate(doc, item.update, SHADOW_ORIGIN), {
        actor: item.actor,
        source: item.source,
        action: 'doc.update',
        bytesSoFar: bytes,
        rules: { mode: item.catchUp ? 'merge' : 'strict', trusted: false },
        senderEmail: usersTouched && item.source === 'sync' ? item.actor.email : null,
      });
      if (checked === null) unchanged.push(item);
      else if ('error' in checked) {
        refusal = { item, error: checked.error };
        break;
      } else {
        bytes += checked.update.length;
        if (checked.users.size > 0) usersTouched = true;
        accepted.push(checked);
        acceptedItems.push(item);
      }
    }
    // The shadow still holds the refused update: rebuild it now, before the accepted ones are committed
    // and repaired (repair runs on the shadow).
    if (refusal) {
      this.pending.unshift(...batch.slice(i + 1));
      shadow.rebuild();
    }
    const origins = new Set(acceptedItems.map((a) => a.origin));
    const origin = origins.size === 1 ? acceptedItems[0]!.origin : null;
    const stored = accepted.length === 0 || (await pipeline.commit(accepted, previous, origin, 0));
    if (!stored) {
      shadow.rebuild();
      for (const item of acceptedItems) item.resolve(STORAGE_FAILED);
    } else for (const item of acceptedItems) item.resolve(COMMITTED);
    for (const item of unchanged) item.resolve(UNCHANGED);
    if (refusal) {
      shadow.rebuild();
      refusal.item.resolve(refused(refusal.error));
    }
  }
}
