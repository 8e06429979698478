/**
 * A live doc's stored log and its compaction: after `compactAfterUpdates` logged updates (and once more
 * when the doc leaves memory) the snapshot and the log it covers are replaced by the doc's state in one
 * transaction, with the facts (state vector, active admins' emails) that let the next load answer a new
 * client before the doc is built (sync/snapshot-answer.ts). Compaction runs in the doc's serial queue,
 * between changes.
 */
import * as Y from 'yjs';
import type { WorkspaceState } from '../../core/index.ts';
import { isActiveAdmin } from '../auth/member-of.ts';
import type { Logger } from '../log.ts';
import type { DocumentStore, SnapshotInfo, StoredDoc } from '../storage/document-store.ts';
import type { Workspace } from '../storage/workspace-store.ts';
import type { SerialQueue } from './serial-queue.ts';

export interface CompactionDeps {
  readonly workspace: Workspace;
  readonly doc: Y.Doc;
  readonly state: () => WorkspaceState;
  readonly storage: Pick<DocumentStore, 'compact'>;
  readonly log: Logger;
  readonly queue: SerialQueue;
  readonly compactAfterUpdates: number;
  readonly isDestroyed: () => boolean;
  /** Cluster mode: the doc holds every update up to this seq (other instances commit too). */
  readonly safeSeq?: () => number;
  /** After each compaction that did not fail (the server brings the history index up to date then). */
  readonly afterCompact?: (workspaceId: string) => void;
}

/** The snapshot facts of a state: lower-cased emails whose user is an active admin. */
export function snapshotInfo(doc: Y.Doc, state: WorkspaceState): SnapshotInfo {
  const adminEmails = new Set<string>();
  for (const u of state.users.values()) {
    const email = u.email.toLowerCase();
    if (!adminEmails.has(email) && isActiveAdmin(state, email)) adminEmails.add(email);
  }
  return { stateVector: Y.encodeStateVector(doc), adminEmails: [...adminEmails] };
}

export class Compaction {
  /** Sequence number of the last stored update. */
  private lastSeq: number;
  /** Stored size: snapshot plus logged updates (the doc size limit counts this). */
  bytes: number;
  private updatesSinceSnapshot: number;
  private snapshotHasInfo: boolean;
  private scheduled = false;

  constructor(
    stored: StoredDoc,
    private readonly deps: CompactionDeps,
  ) {
    this.lastSeq = stored.lastSeq;
    this.bytes = stored.bytes;
    this.updatesSinceSnapshot = stored.updates.length;
    this.snapshotHasInfo = stored.snapshotInfo !== null;
    this.scheduleIfDue();
  }

  /** Counts updates just committed (up to `lastSeq`); compaction follows when enough are logged. */
  appended(lastSeq: number, updates: readonly Uint8Array[]): void {
    this.lastSeq = lastSeq;
    for (const u of updates) this.bytes += u.length;
    this.updatesSinceSnapshot += updates.length;
  }

  scheduleIfDue(): void {
    if (this.updatesSinceSnapshot >= this.deps.compactAfterUpdates) this.schedule();
  }

  /** Leaving memory: one snapshot, so that the next load is one read and can answer a new client at once. */
  async beforeDestroy(): Promise<void> {
    if (this.updatesSinceSnapshot > 0 || !this.snapshotHasInfo)
      await this.deps.queue.run(() => this.compact());
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      void this.deps.queue.run(async () => {
        this.scheduled = false;
        if (!this.deps.isDestroyed()) await this.compact();
      });
    });
  }

  private async compact(): Promise<void> {
    const { doc, workspace, storage, log } = this.deps;
    const snapshot = Y.encodeStateAsUpdate(doc);
    const info = snapshotInfo(doc, this.deps.state());
    try {
      const upto = Math.min(this.lastSeq, this.deps.safeSeq?.() ?? this.lastSeq);
      await storage.compact(workspace.id, snapshot, upto, info);
      this.bytes = snapshot.length;
      this.updatesSinceSnapshot = 0;
      this.snapshotHasInfo = true;
      this.deps.afterCompact?.(workspace.id);
    } catch (err) {
      log.error({ err, workspace: workspace.slug }, 'compaction failed');
    }
  }
}
