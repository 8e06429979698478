/**
 * One live doc's place in the fan-out (cluster mode): which committed seqs the doc holds, which it will
 * hold once its queue has run, and what to fetch from PostgreSQL when a hole shows.
 *
 * - `expected`: the seq the doc will hold once the work queued on it has run. An entry (or a local
 *   commit) whose range starts at or below it and ends above it is in order; one that starts above it
 *   means a hole: backfill `seq > last` from PostgreSQL (entries lost with Redis, a crash between COMMIT
 *   and XADD, reordered entries).
 * - `last`: every update up to this seq is in the doc (compaction drops no more, live-doc.ts). Ranges
 *   applied above a hole wait in `marks` until the hole is filled.
 * Applying an update twice is harmless (Yjs), so any overlap is resolved by applying again.
 */

import type { Logger } from '../log.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import type { LiveDoc } from '../sync/live-doc.ts';
import type { ClusterMetrics } from './metrics.ts';

export interface FeedDeps {
  readonly storage: Pick<DocumentStore, 'updatesSince' | 'loadDoc' | 'headSeqs'>;
  readonly metrics: ClusterMetrics;
  readonly log: Logger;
  /** XADD of a local commit, seqs `first` … `seq` (after it is durable and relayed locally). */
  readonly publish: (workspaceId: string, first: number, seq: number, update: Uint8Array) => void;
  readonly closed: (feed: DocFeed) => void;
}

/** How far back in the stream a freshly loaded doc starts reading (entries older are in what it loaded). */
const STREAM_LOOKBACK_MS = 10_000;

export class DocFeed {
  last: number;
  expected: number;
  /** The id of the last stream entry read (Redis stream ids are `<ms>-<n>`). */
  streamId: string;
  private readonly marks = new Map<number, number>();
  private backfilling: Promise<void> | null = null;
  private again = false;
  private isClosed = false;

  constructor(
    readonly live: LiveDoc,
    loadedSeq: number,
    private readonly deps: FeedDeps,
  ) {
    this.last = loadedSeq;
    this.expected = loadedSeq;
    this.streamId = `${Date.now() - STREAM_LOOKBACK_MS}-0`;
  }

  get workspaceId(): string {
    return this.live.workspace.id;
  }

  /**
   * A commit of this instance: seqs `first` … `seq` written now, already in the doc. None written
   * (`first > seq`: resends of logged updates): nothing to announce, and the doc holds no new seq (the head
   * poll backfills whatever it lacks up to the head).
   */
  committed(first: number, seq: number, update: Uint8Array): void {
    if (first > seq) return;
    this.deps.metrics.committed.inc(seq - first + 1);
    const from = first - 1;
    if (from <= this.expected) this.expected = Math.max(this.expected, seq);
    else this.backfill();
    this.hold(from, seq);
    this.deps.publish(this.workspaceId, first, seq, update);
  }

  safeSeq(): number {
    return this.last;
  }

  /** A stream entry of another instance: seqs `first` … `seq`. */
  onEntry(first: number, seq: number, update: Uint8Array): void {
    if (this.isClosed || seq <= this.expected) return;
    const from = first - 1;
    if (from > this.expected) {
      this.backfill();
      return;
    }
    this.expected = seq;
    void this.live.applyCommitted([update], seq, () => {
      if (this.isClosed) return false;
      this.hold(from, seq);
      this.deps.metrics.relayed.inc(seq - from);
      return true;
    });
  }

  /**
   * Before a request reads the doc: brings it up to PostgreSQL's head, so a change committed on another
   * instance a moment ago is seen even when its stream entry has not arrived yet (read-your-writes when
   * a client's calls land on different instances). One head query; a backfill only when behind.
   */
  async catchUp(): Promise<void> {
    if (this.isClosed) return;
    const head = (await this.deps.storage.headSeqs([this.workspaceId])).get(this.workspaceId) ?? 0;
    if (head > this.last) await this.backfill();
  }

  /** The head poll saw this head in PostgreSQL. */
  headIs(head: number): void {
    if (head > this.last) this.backfill();
  }

  /** Fetches `seq > last` from PostgreSQL (one run at a time; asked again while running, runs again). */
  backfill(): Promise<void> {
    if (this.backfilling) {
      this.again = true;
      return this.backfilling;
    }
    this.backfilling = (async () => {
      do {
        this.again = false;
        try {
          await this.backfillOnce();
        } catch (err) {
          this.deps.log.warn({ err, workspace: this.live.workspace.slug }, 'fan-out backfill failed');
          return;
        }
      } while (this.again && !this.isClosed);
    })().finally(() => {
      this.backfilling = null;
    });
    return this.backfilling;
  }

  private async backfillOnce(): Promise<void> {
    if (this.isClosed) return;
    const from = this.last;
    const rows = await this.deps.storage.updatesSince(this.workspaceId, from);
    let updates: Uint8Array[];
    let seq: number;
    let start = from;
    if (rows === null) {
      // Compacted past what the doc holds: the whole stored state, applied over the doc.
      const stored = await this.deps.storage.loadDoc(this.workspaceId);
      updates = [...(stored.snapshot ? [stored.snapshot] : []), ...stored.updates];
      seq = stored.lastSeq;
      start = Number.NEGATIVE_INFINITY;
    } else {
      if (rows.length === 0) return;
      updates = rows.map((r) => r.update);
      seq = rows[rows.length - 1]!.seq;
    }
    if (seq <= this.last) return;
    await this.live.applyCommitted(updates, seq, () => {
      if (this.isClosed || seq <= this.last) return false;
      this.expected = Math.max(this.expected, seq);
      this.hold(start, seq);
      this.deps.metrics.backfilled.inc(rows === null ? 1 : rows.length);
      return true;
    });
  }

  /** The doc holds (from, to]: move `last` over it and over any range waiting above it. */
  private hold(from: number, to: number): void {
    if (from > this.last) {
      this.marks.set(from, Math.max(to, this.marks.get(from) ?? to));
      return;
    }
    this.last = Math.max(this.last, to);
    for (const [f, t] of [...this.marks].sort((a, b) => a[0] - b[0])) {
      if (f > this.last) break;
      this.marks.delete(f);
      this.last = Math.max(this.last, t);
    }
  }

  close(): void {
    this.isClosed = true;
    this.deps.closed(this);
  }
}
