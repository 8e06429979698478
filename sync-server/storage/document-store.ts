/**
 * The workspace doc log: one snapshot plus the updates logged after it.
 *
 * Durability contract: `appendUpdates` resolves only once the updates (and their audit rows) are
 * committed; the sync pipeline relays an update only after that. Compaction swaps the snapshot and drops
 * the updates it covers in one transaction, so no update is ever in neither.
 */
import type { AuditEntryInput } from './audit-store.ts';

/**
 * Facts about a snapshot's state, written with it, so that a new client can be answered from the stored
 * bytes before the doc is loaded (only while no update is logged after the snapshot).
 */
export interface SnapshotInfo {
  readonly stateVector: Uint8Array;
  /** Lower-cased emails whose user (as `userByEmail` picks it) is an active admin in that state. */
  readonly adminEmails: readonly string[];
}

/** What a workspace doc is made of in storage: one snapshot plus the updates logged after it. */
export interface StoredDoc {
  /** A V1 update (the wire format, so it can be sent as is). */
  readonly snapshot: Uint8Array | null;
  readonly snapshotInfo: SnapshotInfo | null;
  readonly updates: readonly Uint8Array[];
  /** Sequence number of the last update included (in the snapshot or the log). */
  readonly lastSeq: number;
  readonly bytes: number;
}

/** One accepted update and the audit record it produces, committed together. */
export interface UpdateRecord {
  readonly update: Uint8Array;
  readonly audit: AuditEntryInput | null;
}

/** A logged update with its sequence number (increasing per workspace; gap-free on PostgreSQL). */
export interface SeqUpdate {
  readonly seq: number;
  readonly update: Uint8Array;
}

export interface AppendOptions {
  /**
   * A fence for state-dependent writes (repairs): the append fails with `HeadMovedError` (storage/errors.ts)
   * and stores nothing unless the workspace's head seq is still this one.
   */
  readonly expectedHeadSeq?: number;
  /** The instance that commits (kept with each row on PostgreSQL, for fan-out and forensics). */
  readonly instance?: string;
}

/**
 * What an append wrote: seqs `first` … `head`, consecutive (`head` is the workspace's head after it). When
 * every update was logged already (resends), nothing was written: `first` is `head + 1`. Fan-out announces
 * exactly this range (a receiver's gap detection trusts it; counting the records instead would claim the
 * seqs of a deduplicated resend, which may be another instance's update it has not seen).
 */
export interface Appended {
  readonly first: number;
  readonly head: number;
}

export interface DocumentStore {
  loadDoc(workspaceId: string): Promise<StoredDoc>;
  /**
   * Commits the updates and their audit rows in one transaction; resolves with the seqs written and the
   * workspace's head after it (Appended). An update whose exact bytes are already logged is stored once: a
   * resend changes nothing, takes no seq, and its audit row is not written again.
   */
  appendUpdates(
    workspaceId: string,
    records: readonly UpdateRecord[],
    options?: AppendOptions,
  ): Promise<Appended>;
  /** Replaces the snapshot with `snapshot` (covering every update up to `uptoSeq`) and drops those updates. */
  compact(workspaceId: string, snapshot: Uint8Array, uptoSeq: number, info?: SnapshotInfo): Promise<void>;
  /**
   * The logged updates with seq > `afterSeq`, in order (for a fan-out backfill); null when some of them are
   * inside the snapshot now (compacted): the caller reloads the doc instead.
   */
  updatesSince(workspaceId: string, afterSeq: number): Promise<SeqUpdate[] | null>;
  /** The head seq (last committed update's) of each known workspace among `workspaceIds`, in one read. */
  headSeqs(workspaceIds: readonly string[]): Promise<Map<string, number>>;
}
