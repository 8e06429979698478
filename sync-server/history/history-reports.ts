/**
 * Permission history answers for REST (issue 15): access of one user at a moment, the access diff between
 * two moments with the change that caused each row, timelines for a user or an app, the access review.
 * Here on the server's thread: the storage reads (index rows, history snapshot and update bytes, audit
 * refs, then the entries the causes name), the causes and the CSV; the CPU-heavy part runs in a worker
 * (history-jobs.ts through history-runner.ts, bounded per instance and per workspace, the reads made once
 * a report has its slot). A window replayed through Yjs, or read from the history index, is capped: a
 * longer one is 422.
 */
import { history } from '../../core/index.ts';
import { ApiError } from '../http/respond.ts';
import type { Logger } from '../log.ts';
import type { AuditStore } from '../storage/audit-store.ts';
import type { IndexedMoment } from '../storage/history-index-store.ts';
import type { WorkspaceStore } from '../storage/workspace-store.ts';
import { diffCauses, latestTouches, withTimelineCauses } from './history-causes.ts';
import { type IndexStorage, indexForReport, own, ownSource } from './history-index.ts';
import {
  type IndexedWindow,
  iso,
  type JobResult,
  type MomentInput,
  type TimelineInput,
} from './history-jobs.ts';
import type { HistoryRunner } from './history-runner.ts';

export { iso } from './history-jobs.ts';

export type HistoryStorage = IndexStorage &
  Pick<AuditStore, 'auditRefs' | 'auditRefsAt' | 'auditEntriesByIds'> &
  Pick<WorkspaceStore, 'workspaceById'>;

/** What a report reads: the storage, and the runner that bounds and computes it. */
export interface HistoryDeps {
  readonly storage: HistoryStorage;
  readonly history: HistoryRunner;
  /** Where a history index that could not be brought up to date is logged (none: not logged). */
  readonly log?: Logger;
}

/** Audit refs a diff or timeline reads at most (the newest of a longer window; ~60 bytes each). */
const MAX_CAUSES = 200_000;

const ownIndex = (ix: IndexedMoment): IndexedMoment => ({
  ...ix,
  checkpoint: { ...ix.checkpoint, data: own(ix.checkpoint.data) },
});

/** The oldest moment that can be asked about: where the kept history starts, else the workspace's creation. */
export async function historyStartOf(store: HistoryStorage, workspaceId: string): Promise<number> {
  return (
    (await store.historyStart(workspaceId)) || ((await store.workspaceById(workspaceId))?.createdAt ?? 0)
  );
}

/** The 404 for a moment before the kept history, naming where it starts. */
async function beforeHistory(store: HistoryStorage, workspaceId: string, at: number): Promise<ApiError> {
  const start = await historyStartOf(store, workspaceId);
  return new ApiError('not-found', `No history is kept for ${iso(at)}: it starts at ${iso(start)}`, {
    historyStart: iso(start),
  });
}

/**
 * The storage's read of a moment — the history index's rows when it covers the moment, else the doc
 * from the Yjs history (`doc`: always) — or 404 when it is before the kept history.
 */
export async function momentInput(
  store: HistoryStorage,
  workspaceId: string,
  at: number,
  doc = false,
): Promise<MomentInput> {
  const index = doc ? null : await store.indexedMoment(workspaceId, at);
  if (index) return { at, index: ownIndex(index) };
  const source = await store.docAsOf(workspaceId, at);
  if (!source) throw await beforeHistory(store, workspaceId, at);
  return { at, source: ownSource(source) };
}

async function refsBetween(store: HistoryStorage, workspaceId: string, from: number, to: number) {
  return store.auditRefs(workspaceId, from + 1, to, MAX_CAUSES);
}

/** The workspace's states at some moments (a decision at a past time, undo's before and after). */
export async function statesAt(deps: HistoryDeps, workspaceId: string, ats: readonly number[]) {
  await indexForReport(deps, workspaceId, deps.log ?? null);
  return deps.history.run('state', workspaceId, async () => {
    const moments: MomentInput[] = [];
    for (const at of ats) moments.push(await momentInput(deps.storage, workspaceId, at));
    return { moments };
  });
}

/** Everything the access summary says of one user at a moment (`userRef` null: the caller, `selfId`). */
export async function accessAt(
  deps: HistoryDeps,
  workspaceId: string,
  at: number,
  userRef: string | null,
  selfId: string,
) {
  await indexForReport(deps, workspaceId, deps.log ?? null);
  return deps.history.run('access', workspaceId, async () => ({
    moment: await momentInput(deps.storage, workspaceId, at),
    userRef,
    selfId,
  }));
}

/** Access gained and lost between two moments, each row with its cause. */
export async function accessDiff(deps: HistoryDeps, workspaceId: string, from: number, to: number) {
  const { storage } = deps;
  await indexForReport(deps, workspaceId, deps.log ?? null);
  let latest: Promise<history.LatestTouches> = Promise.resolve(new history.LatestTouches());
  const { causeGroups, ...d } = await deps.history.run('diff', workspaceId, async () => {
    const input = {
      from: await momentInput(storage, workspaceId, from),
      to: await momentInput(storage, workspaceId, to),
    };
    // The window's audit refs are read once the job is posted (the next turn of the loop), while the
    // worker computes the rows: the causes need only the rows' users, groups and resources.
    if (from < to)
      latest = new Promise((resolve, reject) =>
        setImmediate(() =>
          refsBetween(storage, workspaceId, from, to).then(latestTouches).then(resolve, reject),
        ),
      );
    latest.catch(() => {}); // awaited below; not unhandled meanwhile when the job fails first
    return input;
  });
  return { ...d, changes: await diffCauses(storage, workspaceId, d.changes, causeGroups, await latest) };
}

export type AccessDiffJson = Awaited<ReturnType<typeof accessDiff>>;

/** The diff as CSV rows (header first). */
export function accessDiffCsv(d: AccessDiffJson): string[][] {
  const rows = [
    [
      'user_email',
      'resource_type',
      'resource',
      'before',
      'after',
      'changed_at',
      'changed_by',
      'action',
      'summary',
      'audit_id',
    ],
  ];
  for (const c of d.changes)
    rows.push([
      c.user.email,
      c.resourceType,
      c.resourceName,
      c.before ?? 'none',
      c.after ?? 'none',
      c.cause?.at ?? '',
      c.cause ? (c.cause.actor?.email ?? 'server') : '',
      c.cause?.action ?? '',
      c.cause?.summary ?? '',
      c.cause ? String(c.cause.auditId) : '',
    ]);
  return rows;
}

/** The doc as of a moment as one V1 update, and its seq cut. */
export async function docAt(deps: HistoryDeps, workspaceId: string, at: number) {
  return deps.history.run('doc', workspaceId, async () => ({
    moment: await momentInput(deps.storage, workspaceId, at, true),
  }));
}

/** Where a window asked from `from` starts: there, or where history starts when `from` is before it. */
async function windowStart(store: HistoryStorage, workspaceId: string, from: number): Promise<number> {
  return Math.max(from, await historyStartOf(store, workspaceId));
}

/**
 * A replayed window: the moment at `from` (or where history starts, when `from` is before it), the
 * updates up to `to` and the moment at `to`; 422 beyond `maxUpdates` updates.
 */
async function window(
  store: HistoryStorage,
  workspaceId: string,
  from: number,
  to: number,
  maxUpdates: number,
): Promise<TimelineInput> {
  const start = await momentInput(store, workspaceId, await windowStart(store, workspaceId, from), true);
  const end = await momentInput(store, workspaceId, to, true);
  if (!start.source || !end.source) throw new Error('a replayed window reads the doc');
  const count = (await store.updateTimes(workspaceId, start.at, to)).filter(
    (u) => u.seq > start.source.uptoSeq && u.seq <= end.source.uptoSeq,
  ).length;
  if (count > maxUpdates)
    throw new ApiError(
      'window-too-large',
      `From ${iso(start.at)} to ${iso(to)} is ${count} logged updates; at most ${maxUpdates} are replayed at once: narrow the window with from and to (for example ${Math.ceil(count / maxUpdates)} windows of ${Math.floor((to - start.at) / Math.ceil(count / maxUpdates) / 3_600_000)} hours)`,
      { updates: count, maxUpdates },
    );
  const steps = (await store.historyUpdates(workspaceId, start.source.uptoSeq, end.source.uptoSeq)).map(
    (u) => ({ ...u, update: own(u.update) }),
  );
  return { start, steps, end };
}

/** Changes a user's timeline reads from the history index at most (a longer window is 422). */
const MAX_INDEXED_CHANGES = 200_000;

/**
 * A window read from the history index, for one user: the moments at `from` (or where history starts,
 * when `from` is before it) and `to`, and the changes between them that the user's access reads (the
 * shared ones and theirs: 422 beyond MAX_INDEXED_CHANGES); null when the index does not cover both ends.
 */
async function indexedWindow(
  store: HistoryStorage,
  workspaceId: string,
  userId: string,
  from: number,
  to: number,
): Promise<IndexedWindow | null> {
  const startAt = await windowStart(store, workspaceId, from);
  const first = await store.indexedMoment(workspaceId, startAt);
  const last = first && (await store.indexedMoment(workspaceId, to));
  if (!first || !last) return null;
  const changes = await store.indexChangesFor(
    workspaceId,
    first.uptoSeq,
    last.uptoSeq,
    userId,
    MAX_INDEXED_CHANGES + 1,
  );
  if (changes.length > MAX_INDEXED_CHANGES)
    throw new ApiError(
      'window-too-large',
      `From ${iso(startAt)} to ${iso(to)} holds more than ${MAX_INDEXED_CHANGES} changes of groups, apps and data sources: narrow the window with from and to`,
      { maxChanges: MAX_INDEXED_CHANGES },
    );
  return {
    start: { at: startAt, index: ownIndex(first) },
    changes,
    end: { at: to, uptoSeq: last.uptoSeq, uptoAt: last.uptoAt },
    userId,
  };
}

/** Whom a reference names at `to`: an id as is (ids hold no '@'); an email looked up in the worker. */
async function userIdAt(deps: HistoryDeps, workspaceId: string, userRef: string, to: number) {
  if (!userRef.includes('@')) return userRef;
  return deps.history.run('user-id', workspaceId, async () => ({
    moment: await momentInput(deps.storage, workspaceId, to),
    userRef,
  }));
}

/**
 * Every change of one user's access from `from` to `to`, with causes: from the history index where it
 * covers the window, else replaying the window's Yjs updates (capped at `maxUpdates`). Every read is
 * made once the report has its slot.
 */
export async function userTimeline(
  deps: HistoryDeps,
  workspaceId: string,
  userRef: string,
  from: number,
  to: number,
  maxUpdates: number,
) {
  await indexForReport(deps, workspaceId, deps.log ?? null);
  const userId = await userIdAt(deps, workspaceId, userRef, to);
  const t = await deps.history.run(
    'timeline-user',
    workspaceId,
    async () =>
      (await indexedWindow(deps.storage, workspaceId, userId, from, to)) ?? {
        ...(await window(deps.storage, workspaceId, from, to, maxUpdates)),
        userRef,
      },
  );
  return { ...t, events: await withTimelineCauses(deps.storage, workspaceId, t.events) };
}

/** Who had which level on one app from `from` to `to`, with causes. */
export async function appTimeline(
  deps: HistoryDeps,
  workspaceId: string,
  appRef: string,
  from: number,
  to: number,
  maxUpdates: number,
) {
  const t = await deps.history.run('timeline-app', workspaceId, async () => ({
    ...(await window(deps.storage, workspaceId, from, to, maxUpdates)),
    appRef,
  }));
  return { ...t, events: await withTimelineCauses(deps.storage, workspaceId, t.events) };
}

/** The access review at a moment: every user × resource with a level, via which groups, since when. */
export async function accessReview(deps: HistoryDeps, workspaceId: string, from: number, at: number) {
  return deps.history.run('review', workspaceId, () =>
    window(deps.storage, workspaceId, from, at, Number.POSITIVE_INFINITY),
  );
}

export type AccessReviewJson = JobResult<'review'>;

/** The review as CSV rows (header first): what auditors ask for. */
export function accessReviewCsv(r: AccessReviewJson): string[][] {
  const out = [
    [
      'user_email',
      'user_name',
      'role',
      'resource_type',
      'resource',
      'level',
      'hidden',
      'via_groups',
      'since',
    ],
  ];
  for (const x of r.rows)
    out.push([
      x.user.email,
      x.user.name,
      x.user.role,
      x.resourceType,
      x.resourceName,
      x.level,
      x.hidden ? 'yes' : 'no',
      x.via.join('; '),
      // Held since the start of the kept history: "on or before" that moment.
      x.since === r.historyStart ? `on or before ${x.since}` : (x.since ?? ''),
    ]);
  return out;
}
