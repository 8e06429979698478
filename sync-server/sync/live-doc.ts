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
  type Command,
  commit,
  conflictOps,
  DocReader,
  type Op,
  type Planned,
  plan,
  repair,
  schema,
  validateChanges,
  type WorkspaceState,
} from '../../core/index.ts';
import type { Logger } from '../log.ts';
import type { AuditEntity, Storage, Workspace } from '../storage/storage.ts';
import { capture } from './capture.ts';
import { describeChanges, summarizeEntities } from './describe-changes.ts';
import { encodeAwareness, encodeUpdate } from './protocol.ts';

/** Who made a change, as the server knows it (never as the client claims). */
export interface Actor {
  readonly accountId: string | null;
  readonly email: string | null;
  readonly name: string | null;
}
export const SERVER_ACTOR: Actor = { accountId: null, email: null, name: 'Gatehouse server' };

export type ChangeSource = 'sync' | 'api' | 'server';

export type Change =
  | { readonly kind: 'update'; readonly update: Uint8Array }
  | { readonly kind: 'command'; readonly command: Command; readonly dryRun?: boolean }
  | { readonly kind: 'ops'; readonly ops: readonly Op[]; readonly action: string };

export interface ChangeError {
  readonly code: string;
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
  readonly storage: Storage;
  readonly log: Logger;
  readonly maxDocBytes: number;
  readonly compactAfterUpdates: number;
  /** Post-commit hook run by the server (memberships, sessions). Errors are logged, never thrown. */
  readonly afterCommit?: (live: LiveDoc, event: CommitEvent) => Promise<void> | void;
}

const SHADOW_ORIGIN = Symbol('shadow');
/** How far back the audit is searched for the edits behind a conflict. */
const CONFLICT_LOOKBACK_MS = 10 * 60_000;

export class LiveDoc {
  readonly doc: Y.Doc;
  readonly reader: DocReader;
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
    stored: { snapshot: Uint8Array | null; updates: readonly Uint8Array[]; lastSeq: number; bytes: number },
    private readonly options: LiveDocOptions,
  ) {
    this.doc = new Y.Doc();
    for (const name of schema.ROOT_NAMES) this.doc.getMap(name);
    this.doc.transact(() => {
      if (stored.snapshot) Y.applyUpdate(this.doc, stored.snapshot);
      for (const u of stored.updates) Y.applyUpdate(this.doc, u);
    });
    this.reader = new DocReader(this.doc);
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
    if (this.updatesSinceSnapshot >= options.compactAfterUpdates) this.scheduleCompaction();
  }

  state(): WorkspaceState {
    return this.reader.state();
  }

  onCommit(listener: (e: CommitEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a change through the pipeline; changes of one workspace run strictly one after another. */
  submit(
    change: Change,
    actor: Actor,
    source: ChangeSource,
    origin: DocPeer | null = null,
  ): Promise<ChangeResult> {
    return this.enqueue(() => this.process(change, actor, source, origin, 0));
  }

  /** Resolves when every change submitted so far has finished. */
  idle(): Promise<void> {
    return this.enqueue(async () => {});
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => {});
    return run;
  }

  private copyOfDoc(): Y.Doc {
    const copy = new Y.Doc();
    for (const name of schema.ROOT_NAMES) copy.getMap(name);
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc));
    return copy;
  }

  private get shadow(): Y.Doc {
    this.shadowDoc ??= this.copyOfDoc();
    return this.shadowDoc;
  }

  private rebuildShadow(): void {
    this.shadowDoc?.destroy();
    this.shadowDoc = null;
  }

  private reject(code: string, message: string, details?: unknown): ChangeResult {
    this.rebuildShadow();
    return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
  }

  private async process(
    change: Change,
    actor: Actor,
    source: ChangeSource,
    origin: DocPeer | null,
    depth: number,
  ): Promise<ChangeResult> {
    if (this.destroyed) return { ok: false, error: { code: 'unavailable', message: 'Workspace is closing' } };
    const previous = this.reader.state();
    let planned: Planned | null = null;
    let action = 'doc.update';
    if (change.kind === 'command') {
      const result = plan(previous, change.command, { now: Date.now() });
      if (!result.ok) return { ok: false, error: result.error };
      planned = result.value;
      action = change.command.type;
      if (change.dryRun) return { ok: true, planned, committed: false };
    } else if (change.kind === 'ops') action = change.action;

    // 1. Shadow apply.
    let captured: ReturnType<typeof capture>;
    try {
      captured = capture(this.shadow, () => {
        if (change.kind === 'update') Y.applyUpdate(this.shadow, change.update, SHADOW_ORIGIN);
        else if (change.kind === 'ops') applyOps(this.shadow, [...change.ops], SHADOW_ORIGIN);
        else commit(this.shadow, planned!, SHADOW_ORIGIN);
      });
    } catch {
      return this.reject('malformed-update', 'The update could not be decoded');
    }
    const update = captured.update;
    if (update === null) return { ok: true, planned, committed: false };

    // 2. Validate what changed.
    const violations = validateChanges(this.shadow, captured.changed);
    if (violations.length > 0) {
      const first = violations[0]!;
      return this.reject(
        'invalid-update',
        `Rejected: ${first.message}`.slice(0, 200),
        violations.slice(0, 20),
      );
    }
    if (this.bytes + update.length > this.options.maxDocBytes)
      return this.reject('doc-too-large', 'The workspace document is too large');

    // 3. Commit durably, with its audit record.
    const entities = describeChanges(this.shadow, captured.changed);
    const at = Date.now();
    const audit = {
      workspaceId: this.workspace.id,
      at,
      actorId: actor.accountId,
      actorEmail: actor.email,
      actorName: actor.name,
      source,
      action,
      entities,
      summary: summarizeEntities(entities),
    };
    try {
      this.lastSeq = await this.options.storage.appendUpdates(this.workspace.id, [{ update, audit }]);
    } catch (err) {
      this.options.log.error({ err, workspace: this.workspace.slug }, 'storing an update failed');
      return this.reject('storage-failed', 'The change could not be stored');
    }
    this.bytes += update.length;
    this.updatesSinceSnapshot++;

    // 4. Now everyone may see it.
    Y.applyUpdate(this.doc, update, origin ?? SHADOW_ORIGIN);
    const message = encodeUpdate(update);
    for (const peer of this.peers) if (peer !== origin) peer.send(message);

    // 5. Post-commit hooks.
    const state = this.reader.state();
    const event: CommitEvent = { previous, state, entities, actor };
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

    // 6. Repair what the merge broke, as the server's own change.
    if (depth === 0) await this.runRepair(previous, state);
    return { ok: true, planned, committed: true };
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
  private scheduleCompaction(): void {
    if (this.compactionScheduled) return;
    this.compactionScheduled = true;
    setImmediate(() => {
      void this.enqueue(async () => {
        this.compactionScheduled = false;
        if (this.destroyed) return;
        const snapshot = Y.encodeStateAsUpdate(this.doc);
        try {
          await this.options.storage.compact(this.workspace.id, snapshot, this.lastSeq);
          this.bytes = snapshot.length;
          this.updatesSinceSnapshot = 0;
        } catch (err) {
          this.options.log.error({ err, workspace: this.workspace.slug }, 'compaction failed');
        }
      });
    });
  }

  /** Waits for pending changes, then frees memory. */
  async destroy(): Promise<void> {
    await this.idle();
    this.destroyed = true;
    this.awareness.destroy();
    this.reader.destroy();
    this.shadowDoc?.destroy();
    this.doc.destroy();
    this.listeners.clear();
  }
}
