/**
 * Permission history answers for REST (issue 15): access of one user at a moment, the access diff between
 * two moments with the change that caused each row, timelines for a user or an app, the access review.
 * Here on the server's thread only the storage reads (the history snapshot and update bytes, the audit
 * entries) and the CSV; the CPU-heavy part runs in a worker (history-jobs.ts through history-runner.ts,
 * bounded per instance and per workspace). A replayed window is capped: a longer one is 422.
 */
import { ApiError } from '../http/respond.ts';
import type { AuditStore } from '../storage/audit-store.ts';
import type { HistoryDoc, HistoryStore } from '../storage/history-store.ts';
import type { WorkspaceStore } from '../storage/workspace-store.ts';
import { iso, type JobResult, type MomentInput, type TimelineInput } from './history-jobs.ts';
import type { HistoryRunner } from './history-runner.ts';

export { iso } from './history-jobs.ts';

export type HistoryStorage = HistoryStore &
  Pick<AuditStore, 'queryAudit'> &
  Pick<WorkspaceStore, 'workspaceById'>;

/** What a report reads: the storage, and the runner that bounds and computes it. */
export interface HistoryDeps {
  readonly storage: HistoryStorage;
  readonly history: HistoryRunner;
}

/** Audit entries a diff or timeline reads at most (the newest of a longer window). */
const MAX_CAUSES = 50_000;

/** A copy of bytes that share a larger buffer (a pooled Buffer), so posting them copies only their own. */
const own = (u: Uint8Array): Uint8Array =>
  u.byteOffset === 0 && u.byteLength === u.buffer.byteLength ? u : u.slice();

function ownSource(d: HistoryDoc): HistoryDoc {
  return {
    ...d,
    base: d.base && own(d.base),
    updates: d.updates.map((u) => ({ ...u, update: own(u.update) })),
  };
}

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

/** The storage's read of a moment, or 404 when it is before the kept history. */
export async function momentInput(
  store: HistoryStorage,
  workspaceId: string,
  at: number,
): Promise<MomentInput> {
  const source = await store.docAsOf(workspaceId, at);
  if (!source) throw await beforeHistory(store, workspaceId, at);
  return { at, source: ownSource(source) };
}

async function entriesBetween(store: HistoryStorage, workspaceId: string, from: number, to: number) {
  return store.queryAudit({ workspaceId, from: from + 1, to, limit: MAX_CAUSES });
}

/** The workspace's states at some moments (a decision at a past time, undo's before and after). */
export async function statesAt(deps: HistoryDeps, workspaceId: string, ats: readonly number[]) {
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
  return deps.history.run('access', workspaceId, async () => ({
    moment: await momentInput(deps.storage, workspaceId, at),
    userRef,
    selfId,
  }));
}

/** Access gained and lost between two moments, each row with its cause. */
export async function accessDiff(deps: HistoryDeps, workspaceId: string, from: number, to: number) {
  const { storage } = deps;
  return deps.history.run('diff', workspaceId, async () => ({
    from: await momentInput(storage, workspaceId, from),
    to: await momentInput(storage, workspaceId, to),
    entries: from < to ? await entriesBetween(storage, workspaceId, from, to) : [],
  }));
}

export type AccessDiffJson = JobResult<'diff'>;

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
    moment: await momentInput(deps.storage, workspaceId, at),
  }));
}

/**
 * A replayed window: the moment at `from` (or where history starts, when `from` is before it), the
 * updates up to `to`, the moment at `to` and the audit entries; 422 beyond `maxUpdates` updates.
 */
async function window(
  store: HistoryStorage,
  workspaceId: string,
  from: number,
  to: number,
  maxUpdates: number,
): Promise<TimelineInput> {
  const first = await store.docAsOf(workspaceId, from);
  const startAt = first ? from : await historyStartOf(store, workspaceId);
  const start = first
    ? { at: from, source: ownSource(first) }
    : await momentInput(store, workspaceId, startAt);
  const end = await momentInput(store, workspaceId, to);
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
  return { start, steps, end, entries: await entriesBetween(store, workspaceId, start.at, to) };
}

/** Every change of one user's access from `from` to `to`, with causes. */
export async function userTimeline(
  deps: HistoryDeps,
  workspaceId: string,
  userRef: string,
  from: number,
  to: number,
  maxUpdates: number,
) {
  return deps.history.run('timeline-user', workspaceId, async () => ({
    ...(await window(deps.storage, workspaceId, from, to, maxUpdates)),
    userRef,
  }));
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
  return deps.history.run('timeline-app', workspaceId, async () => ({
    ...(await window(deps.storage, workspaceId, from, to, maxUpdates)),
    appRef,
  }));
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
