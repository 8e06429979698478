/**
 * The pipeline every change of a workspace runs through, one at a time (the doc's serial queue):
 *   1–2. shadow apply → validateChanges → core's checkChange (client updates) → size   (shadow.ts)
 *   3.   durable commit of the updates with their audit rows, one transaction
 *   4.   apply to the doc, relay to every peer but the sender
 *   5.   post-commit hooks (memberships, sockets re-check, SSE), errors logged, never thrown
 *   6.   repair what the merge broke, as the server's own change through this same pipeline
 * A refused or unstored change is never applied to the doc or relayed; the shadow is rebuilt from it.
 */
import * as Y from 'yjs';
import { applyOps, commit, encodeUpdate, type Planned, plan, type WorkspaceState } from '../../core/index.ts';
import type { Logger } from '../log.ts';
import type { AuditStore } from '../storage/audit-store.ts';
import type { Appended, DocumentStore } from '../storage/document-store.ts';
import { HeadMovedError } from '../storage/errors.ts';
import type { Workspace } from '../storage/workspace-store.ts';
import { capture } from './capture.ts';
import {
  type Actor,
  type Change,
  type ChangeResult,
  type ChangeSource,
  type CommitEvent,
  type DocPeer,
  refused,
  requestsWritten,
  SERVER_ACTOR,
  STORAGE_FAILED,
  UNAVAILABLE,
} from './change.ts';
import type { Compaction } from './compaction.ts';
import { mayNeedRepair, repairOps } from './repair-runner.ts';
import { type Accepted, SHADOW_ORIGIN, type Shadow } from './shadow.ts';

export interface PipelineDeps {
  readonly workspace: Workspace;
  readonly doc: Y.Doc;
  readonly state: () => WorkspaceState;
  readonly peers: ReadonlySet<DocPeer>;
  readonly shadow: Shadow;
  readonly compaction: Compaction;
  readonly storage: Pick<DocumentStore, 'appendUpdates'> & Pick<AuditStore, 'recentAuditFor'>;
  readonly log: Logger;
  readonly isDestroyed: () => boolean;
  /** The server's clock (what commands and repair take as now). */
  readonly now?: () => number;
  /** Called once a commit is applied to the doc, before relaying (the stored bytes are stale now). */
  readonly applied: () => void;
  /** Step 5: the post-commit hook and the commit listeners; must not throw. */
  readonly committed: (event: CommitEvent) => Promise<void>;
  /**
   * Cluster mode: seqs `first` … `seq` durable now (none when `first > seq`: resends only), relayed locally
   * as `update` (fan-out).
   */
  readonly durable?: (first: number, seq: number, update: Uint8Array) => void;
  /**
   * Cluster mode: the head seq a repair is fenced by (the doc holds every update up to it); the repair
   * stores nothing if another instance committed meanwhile (it repairs, or this one does after catching up).
   */
  readonly repairFence?: () => number;
}

/** Depth of a change: 0 for callers' changes, 1 for the repair that follows them (never repaired). */
export type Depth = 0 | 1;

/** Applies `updates` to `doc` in one transaction; returns what it integrated, as one update. */
function applyInOneTransaction(doc: Y.Doc, updates: readonly Uint8Array[]): Uint8Array {
  const { update } = capture(doc, () =>
    doc.transact(() => {
      for (const u of updates) Y.applyUpdate(doc, u, SHADOW_ORIGIN);
    }, SHADOW_ORIGIN),
  );
  return update ?? Y.mergeUpdates([...updates]);
}

export class UpdatePipeline {
  /** Counts commits that touched users (every path: sync, REST, repair): who is an admin may have changed. */
  usersVersion = 0;
  constructor(private readonly deps: PipelineDeps) {}

  /** One change (a command, ops, or a client update outside a batch) through steps 1–6. */
  async process(
    change: Change,
    actor: Actor,
    source: ChangeSource,
    origin: DocPeer | null,
    depth: Depth,
    expectedHeadSeq?: number,
  ): Promise<ChangeResult> {
    if (this.deps.isDestroyed()) return UNAVAILABLE;
    const { shadow, compaction } = this.deps;
    const previous = this.deps.state();
    let planned: Planned | null = null;
    let action = 'doc.update';
    let summary: string | undefined;
    let mutate: (doc: Y.Doc) => void;
    if (change.kind !== 'update') {
      const refusal = change.check?.();
      if (refusal) return refused(refusal);
    }
    if (change.kind === 'command') {
      const now = this.deps.now?.() ?? Date.now();
      const result = plan(previous, change.command, { now, trusted: change.trusted === true });
      if (!result.ok) return { ok: false, error: result.error };
      const p = result.value;
      planned = p;
      action = change.action ?? change.command.type;
      if (change.dryRun) return { ok: true, planned, committed: false };
      const also = change.alsoOps ?? [];
      mutate = (doc) =>
        doc.transact(() => {
          commit(doc, p, SHADOW_ORIGIN);
          if (also.length > 0) applyOps(doc, [...also], SHADOW_ORIGIN);
        }, SHADOW_ORIGIN);
    } else if (change.kind === 'ops') {
      action = change.action;
      summary = change.summary;
      mutate = (doc) => applyOps(doc, [...change.ops], SHADOW_ORIGIN);
    } else mutate = (doc) => Y.applyUpdate(doc, change.update, SHADOW_ORIGIN);

    const checked = shadow.check(mutate, {
      actor,
      source,
      action,
      bytesSoFar: compaction.bytes,
      rules: null,
      ...(summary === undefined ? {} : { summary }),
    });
    if (checked === null) return { ok: true, planned, committed: false };
    if ('error' in checked) {
      shadow.rebuild();
      return refused(checked.error);
    }
    const requests = requestsWritten(change);
    const accepted = requests.length > 0 ? { ...checked, requests } : checked;
    if (!(await this.commit([accepted], previous, origin, depth, expectedHeadSeq))) {
      shadow.rebuild();
      return STORAGE_FAILED;
    }
    return { ok: true, planned, committed: true };
  }

  /**
   * Steps 3–6 for changes already applied to the shadow and validated. False when storing failed
   * (nothing was applied or relayed; the caller rebuilds the shadow).
   */
  async commit(
    accepted: readonly Accepted[],
    previous: WorkspaceState,
    origin: DocPeer | null,
    depth: Depth,
    expectedHeadSeq?: number,
  ): Promise<boolean> {
    const { workspace, doc, peers, compaction, storage, log } = this.deps;
    let appended: Appended;
    try {
      appended = await storage.appendUpdates(
        workspace.id,
        accepted.map((a) => ({ update: a.update, audit: a.audit })),
        expectedHeadSeq === undefined ? undefined : { expectedHeadSeq },
      );
    } catch (err) {
      if (err instanceof HeadMovedError) {
        log.info({ workspace: workspace.slug }, 'repair skipped: another instance committed first');
        return false;
      }
      log.error({ err, workspace: workspace.slug }, 'storing an update failed');
      return false;
    }
    const lastSeq = appended.head;
    const updates = accepted.map((a) => a.update);
    compaction.appended(lastSeq, updates);
    this.deps.applied();

    // 4. Now everyone may see it (the sender of every part of it excepted), as one update: what the doc's
    // one transaction over all of them integrated (cheaper than merging the updates, then applying that).
    const update = updates.length === 1 ? updates[0]! : applyInOneTransaction(doc, updates);
    if (updates.length === 1) Y.applyUpdate(doc, update, SHADOW_ORIGIN);
    const message = encodeUpdate(update);
    for (const peer of peers) if (peer !== origin) peer.send(message);
    this.deps.durable?.(appended.first, lastSeq, update);

    // 5. Post-commit hooks.
    const state = this.deps.state();
    const entities = accepted.length === 1 ? accepted[0]!.entities : accepted.flatMap((a) => a.entities);
    const users = new Set(accepted.flatMap((a) => [...a.users]));
    const requests = accepted.flatMap((a) => a.requests ?? []);
    const event: CommitEvent = { previous, state, entities, users, actor: accepted[0]!.actor, requests };
    if (users.size > 0) {
      this.usersVersion++;
      for (const peer of peers) peer.recheck(state);
    }
    await this.deps.committed(event);
    compaction.scheduleIfDue();

    // 6. Repair what the merge broke, as the server's own change — unless nothing it reads changed.
    if (depth === 0 && accepted.some((a) => mayNeedRepair(a.entities))) await this.repair(previous, state);
    return true;
  }

  /** Cluster mode: repair after updates of another instance were applied (in the doc's queue). */
  repairAfterRemote(previous: WorkspaceState, state: WorkspaceState): Promise<void> {
    return this.repair(previous, state);
  }

  private async repair(previous: WorkspaceState, state: WorkspaceState): Promise<void> {
    const { workspace, storage, log } = this.deps;
    const now = this.deps.now?.() ?? Date.now();
    const found = await repairOps(previous, state, { workspaceId: workspace.id, storage, log, now });
    if (!found) return;
    const change: Change = { kind: 'ops', ops: found.ops, action: 'repair' };
    const r = await this.process(change, SERVER_ACTOR, 'server', null, 1, this.deps.repairFence?.());
    if (!r.ok) log.error({ error: r.error, workspace: workspace.slug }, 'repair was rejected');
    else log.info({ workspace: workspace.slug, conflicts: found.conflicts }, 'repaired a merge');
  }
}
