/**
 * Keeps the history index (storage/history-index-store.ts) up with the update log (issue 15): runs the
 * history worker's `index` job on the next ≤ `INDEX_BATCH` logged updates after the index head, in seq
 * order, and writes what it gives — until the head reaches the log's. It runs in the background after a
 * compaction (`indexInBackground`, one run per workspace at a time) and, for a short tail, before a report
 * (`indexForReport`), so reports read the index; a long tail is left to the background and the report
 * reads the Yjs history meanwhile. Rows are deterministic and written idempotently: two instances doing
 * the same run is harmless.
 */
import type { Logger } from '../log.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import type { HistoryIndexStore } from '../storage/history-index-store.ts';
import type { HistoryDoc, HistoryStore } from '../storage/history-store.ts';
import type { HistoryRunner } from './history-runner.ts';

/** Updates indexed per job (one worker round trip; a few seconds at most). */
export const INDEX_BATCH = 5_000;
/** A report first indexes a tail this short; a longer one is the background's. */
const REPORT_TAIL = 2_000;
/** How long a report waits for that tail at most. */
const REPORT_WAIT_MS = 3_000;

export type IndexStorage = HistoryStore & HistoryIndexStore & Pick<DocumentStore, 'headSeqs'>;

export interface IndexDeps {
  readonly storage: IndexStorage;
  readonly history: HistoryRunner;
}

/** A copy of bytes that share a larger buffer (a pooled Buffer), so posting them copies only their own. */
export const own = (u: Uint8Array): Uint8Array =>
  u.byteOffset === 0 && u.byteLength === u.buffer.byteLength ? u : u.slice();

export function ownSource(d: HistoryDoc): HistoryDoc {
  return {
    ...d,
    base: d.base && own(d.base),
    updates: d.updates.map((u) => ({ ...u, update: own(u.update) })),
  };
}

/**
 * Updates the log holds beyond the index head, counted in this workspace (SQLite's seqs are one rowid
 * for all workspaces); the whole log's head seq when nothing is indexed yet.
 */
async function tail(storage: IndexStorage, workspaceId: string): Promise<number> {
  const last = (await storage.headSeqs([workspaceId])).get(workspaceId) ?? 0;
  const head = await storage.indexHead(workspaceId);
  if (!head) return last;
  if (head.seq >= last) return 0;
  const after = await storage.updateTimes(workspaceId, head.at - 1, Number.MAX_SAFE_INTEGER);
  return after.filter((u) => u.seq > head.seq).length;
}

/** One job: the next ≤ INDEX_BATCH updates after the head. False when there was nothing to index. */
async function indexOnce(deps: IndexDeps, workspaceId: string): Promise<boolean> {
  const { storage } = deps;
  const last = (await storage.headSeqs([workspaceId])).get(workspaceId) ?? 0;
  const head = await storage.indexHead(workspaceId);
  if (head && head.seq >= last) return false;
  const run = await deps.history.runIndexJob(workspaceId, async () => {
    const start = ownSource(await storage.docUpto(workspaceId, head?.seq ?? 0));
    const steps = (await storage.historyUpdates(workspaceId, start.uptoSeq, last, INDEX_BATCH)).map((u) => ({
      ...u,
      update: own(u.update),
    }));
    // A fresh start (nothing indexed, or retention moved the history past the head): a checkpoint there.
    const fresh = !head || start.uptoSeq !== head.seq;
    return { start, steps, withStartModel: fresh, sinceCheckpoint: fresh ? 0 : head.sinceCheckpoint };
  });
  await storage.writeIndex(workspaceId, run);
  return run.head.seq > (head?.seq ?? -1);
}

const running = new WeakMap<HistoryRunner, Map<string, Promise<void>>>();

/** Indexes the whole tail, one job after another (joined when already running for the workspace). */
export function indexAll(deps: IndexDeps, workspaceId: string): Promise<void> {
  let byWs = running.get(deps.history);
  if (!byWs) running.set(deps.history, (byWs = new Map()));
  const current = byWs.get(workspaceId);
  if (current) return current;
  const work = (async () => {
    while (await indexOnce(deps, workspaceId)) {}
  })().finally(() => byWs.delete(workspaceId));
  byWs.set(workspaceId, work);
  return work;
}

/** After a compaction: the tail indexed in the background; failures (a busy runner, say) are logged. */
export function indexInBackground(deps: IndexDeps, workspaceId: string, log: Logger | null): void {
  indexAll(deps, workspaceId).catch((err: unknown) =>
    log?.warn(
      { err, workspace: workspaceId },
      'history index not brought up to date (next compaction retries)',
    ),
  );
}

/**
 * Before a report: a short tail is indexed first, so the report reads the index — waiting at most
 * REPORT_WAIT_MS (the index's thread may be busy with another workspace; the report then reads what is
 * indexed, or the Yjs history) —; a long tail is started in the background and the report reads the Yjs
 * history. Never fails the report.
 */
export async function indexForReport(
  deps: IndexDeps,
  workspaceId: string,
  log: Logger | null,
): Promise<void> {
  try {
    if ((await tail(deps.storage, workspaceId)) <= REPORT_TAIL) {
      const work = indexAll(deps, workspaceId);
      work.catch((err: unknown) =>
        log?.warn({ err, workspace: workspaceId }, 'history index not brought up to date before a report'),
      );
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, REPORT_WAIT_MS);
      });
      await Promise.race([work.catch(() => {}), waited]);
      clearTimeout(timer);
    } else indexInBackground(deps, workspaceId, log);
  } catch (err) {
    log?.warn({ err, workspace: workspaceId }, 'history index not brought up to date before a report');
  }
}
