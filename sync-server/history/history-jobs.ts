/**
 * The CPU-heavy half of the permission-history reports (issue 15), as jobs on plain inputs — the storage's
 * history reads (index rows, snapshot and update bytes) in, reply bodies out — so they run in a
 * worker thread (history-worker.ts) and never on the server's event loop. Every rule comes from core
 * (`history.*`, `accessFor`); causes are found on the server's thread from what the jobs say to look
 * for (history-causes.ts). history-reports.ts gathers the inputs.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as Y from 'yjs';
import { accessFor, history, type User, type WorkspaceState } from '../../core/index.ts';
import { userByEmail } from '../auth/member-of.ts';
import { ApiError } from '../http/respond.ts';
import { userJson } from '../http/serialize.ts';
import type { IndexChange, IndexedMoment, IndexRun } from '../storage/history-index-store.ts';
import type { HistoryDoc, TimedUpdate } from '../storage/history-store.ts';

/**
 * A moment as read from storage, and the time asked: the history index's rows for it
 * (history-index-store.ts), or the doc as of `at` (history-store.ts) where the index does not reach yet.
 */
export type MomentInput = { readonly at: number } & (
  | { readonly index: IndexedMoment; readonly source?: undefined }
  | { readonly source: HistoryDoc; readonly index?: undefined }
);

/** The seq cut of a moment read either way. */
const cutOf = (m: MomentInput) => m.index ?? m.source;

/** A state at a moment, and which moment it is. */
export interface Moment {
  readonly state: WorkspaceState;
  /** The time asked for (epoch ms). */
  readonly at: number;
  /** The last update included, and when it was committed (0 when unknown). */
  readonly uptoSeq: number;
  readonly uptoAt: number;
}

/** What each job reads, by kind. */
export interface JobInputs {
  state: { readonly moments: readonly MomentInput[] };
  access: {
    readonly moment: MomentInput;
    /** Who is asked about: an id or email (admins), or null for the caller `selfId`. */
    readonly userRef: string | null;
    readonly selfId: string;
  };
  diff: { readonly from: MomentInput; readonly to: MomentInput };
  'timeline-user': (TimelineInput & { readonly userRef: string }) | IndexedWindow;
  'user-id': { readonly moment: MomentInput; readonly userRef: string };
  index: {
    /** The doc at the index head (or where history starts), and the next updates in seq order. */
    readonly start: HistoryDoc;
    readonly steps: readonly TimedUpdate[];
    /** Write a checkpoint at the start (a fresh index), and how many changes the newest one is behind. */
    readonly withStartModel: boolean;
    readonly sinceCheckpoint: number;
  };
  'timeline-app': TimelineInput & { readonly appRef: string };
  review: TimelineInput;
  doc: { readonly moment: MomentInput };
}
export type JobKind = keyof JobInputs;

/** A replayed window: the moment it starts at, its updates, the moment it ends at. */
export interface TimelineInput {
  readonly start: MomentInput;
  readonly steps: readonly TimedUpdate[];
  readonly end: MomentInput;
}

/** A window read from the history index: the moments at its ends and one user's changes between them. */
export interface IndexedWindow {
  readonly start: MomentInput & { readonly index: IndexedMoment };
  readonly changes: readonly IndexChange[];
  /** The end's cut only: the user's state there comes from the changes. */
  readonly end: MomentCut;
  readonly userId: string;
}

/** Which moment it is, without its state. */
export type MomentCut = Omit<Moment, 'state'>;

/** Changes between two checkpoints of the history index (a moment reads one checkpoint and fewer changes). */
export const CHECKPOINT_EVERY = 5_000;

/** Memberships added or removed that a diff lists at most (each way; the counts give all). */
export const LISTED_MEMBERSHIPS = 1_000;

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The last few states by (workspace, seq cut, time — memberships expire by the clock, so the same cut at
 * another time can differ): the pages of an as-of view, a diff and its CSV ask for the same moments again.
 */
const CACHED_STATES = 4;
const cache = new Map<string, WorkspaceState>();

const checkpointJson = (ix: IndexedMoment) => gunzipSync(ix.checkpoint.data).toString('utf8');

export function moment(workspaceId: string, m: MomentInput): Moment {
  const cut = cutOf(m);
  const key = `${workspaceId}:${cut.uptoSeq}:${m.at}`;
  let state = cache.get(key);
  if (state) cache.delete(key);
  else
    state = m.index
      ? history.stateFromIndex(checkpointJson(m.index), m.index.changes, m.at)
      : history.stateAt(m.source, m.at);
  cache.set(key, state); // most recent last
  while (cache.size > CACHED_STATES) cache.delete(cache.keys().next().value as string);
  return { state, at: m.at, uptoSeq: cut.uptoSeq, uptoAt: cut.uptoAt };
}

/** Which moment an input is, without building its state. */
export const bareMoment = (m: MomentInput): MomentCut => {
  const cut = cutOf(m);
  return { at: m.at, uptoSeq: cut.uptoSeq, uptoAt: cut.uptoAt };
};

/** A user by id or email in a state, or 404. */
export function userIn(state: WorkspaceState, ref: string): User {
  const u = state.users.get(ref) ?? userByEmail(state, ref);
  if (!u) throw new ApiError('not-found', 'No such user at that moment');
  return u;
}

export const momentJson = (m: Omit<Moment, 'state'>) => ({
  at: iso(m.at),
  seq: m.uptoSeq,
  lastChangeAt: m.uptoAt > 0 ? iso(m.uptoAt) : null,
});

/** Everything the access summary says of one user at a moment. */
export function accessJson(m: Moment, user: User) {
  const a = accessFor(m.state, user.id);
  const rows = history.accessRows(m.state, [user.id]);
  const pick = (type: 'app' | 'dataSource') =>
    rows
      .filter((r) => r.resourceType === type)
      .map((r) => ({ id: r.resourceId, name: r.resourceName, level: r.level, hidden: r.hidden, via: r.via }));
  return {
    moment: momentJson(m),
    user: userJson(user),
    hasAccess: a?.hasAccess ?? false,
    groups: a?.customGroups.map((g) => g.name) ?? [],
    flags: a?.flags ?? {},
    apps: pick('app'),
    dataSources: pick('dataSource'),
  };
}

function accessDiff(ws: string, input: JobInputs['diff']) {
  const [m0, m1] = [moment(ws, input.from), moment(ws, input.to)];
  const { impact, changes } = history.accessBetween(m0.state, m1.state);
  const emailOf = (id: string) => (m1.state.users.get(id) ?? m0.state.users.get(id))?.email ?? '';
  return {
    from: momentJson(m0),
    to: momentJson(m1),
    changes: changes.map((c) => ({
      user: { id: c.userId, email: emailOf(c.userId) },
      resourceType: c.resourceType,
      resourceId: c.resourceId,
      resourceName: c.resourceName,
      before: c.before,
      after: c.after,
      hiddenBefore: c.hiddenBefore,
      hiddenAfter: c.hiddenAfter,
    })),
    /** Where each change's cause is looked for (history-causes.ts `diffCauses`), per user. */
    causeGroups: history.causeGroups(m0.state, m1.state, new Set(changes.map((c) => c.userId))),
    roleChanges: impact.roleChanges,
    // A month of edits adds tens of thousands of memberships: the first ones are listed, all are counted.
    membershipsAdded: impact.membershipsAdded.slice(0, LISTED_MEMBERSHIPS),
    membershipsRemoved: impact.membershipsRemoved.slice(0, LISTED_MEMBERSHIPS),
    membershipsAddedCount: impact.membershipsAdded.length,
    membershipsRemovedCount: impact.membershipsRemoved.length,
    buildersBefore: impact.buildersBefore,
    buildersAfter: impact.buildersAfter,
    truncated: impact.accessChangesTruncated,
  };
}

/** A timeline event's cause, as history-causes.ts finds it: the audit entry committed with it, preferring one naming `ids`. */
const causeQuery = (at: number, ids: readonly string[]) => ({ at, ids });

/** One user's timeline: folded from the history index's changes, or replaying the Yjs updates of the window. */
function timelineOf(ws: string, input: JobInputs['timeline-user']) {
  if ('changes' in input) {
    const own = `u:${input.userId}`;
    const model = history.decodeModel(checkpointJson(input.start.index), input.userId);
    for (const c of input.start.index.changes)
      if (c.shared || c.entity === own) history.applyChange(model, c.entity, c.data);
    const t = history.userTimelineFromIndex(model, input.start.at, input.changes, input.userId);
    if (!t.user) throw new ApiError('not-found', 'No such user at that moment');
    return { ...t, user: t.user, end: input.end };
  }
  const end = moment(ws, input.end);
  const user = userIn(end.state, input.userRef);
  if (!input.start.source) throw new Error('a replayed window starts from the doc');
  return { ...history.userTimeline(input.start.source, input.start.at, input.steps, user.id), user, end };
}

function userTimeline(ws: string, input: JobInputs['timeline-user']) {
  const start = bareMoment(input.start);
  const { user, end, ...t } = timelineOf(ws, input);
  const pointJson = (p: history.UserPoint | null) =>
    p && {
      role: p.role,
      status: p.status,
      groups: p.groups,
      access: [...p.levels.values()].map((l) => ({ ...l, level: l.after })),
    };
  return {
    user: userJson(user),
    from: momentJson(start),
    to: momentJson(end),
    initial: pointJson(t.initial),
    events: t.events.map((e) => ({ ...e, at: iso(e.at), cause: causeQuery(e.at, [user.id]) })),
    truncated: t.truncated,
  };
}

function appTimeline(ws: string, input: JobInputs['timeline-app']) {
  const start = moment(ws, input.start);
  const end = moment(ws, input.end);
  const ref = input.appRef;
  const app =
    end.state.apps.get(ref) ??
    [...end.state.apps.values()].find((a) => a.slug === ref || a.name.toLowerCase() === ref.toLowerCase());
  if (!app) throw new ApiError('not-found', 'No such app at that moment');
  const t = history.appTimeline(docSource(input.start), start.at, input.steps, app.id);
  const emailOf = (id: string) => (end.state.users.get(id) ?? start.state.users.get(id))?.email ?? '';
  return {
    app: { id: app.id, name: app.name, slug: app.slug },
    from: momentJson(start),
    to: momentJson(end),
    initial: [...t.initial]
      .filter(([, level]) => level !== null)
      .map(([userId, level]) => ({ user: { id: userId, email: emailOf(userId) }, level })),
    events: t.events.map((e) => ({
      seq: e.seq,
      at: iso(e.at),
      user: { id: e.userId, email: e.email },
      before: e.before,
      after: e.after,
      cause: causeQuery(e.at, [e.userId, app.id]),
    })),
    truncated: t.truncated,
  };
}

function accessReview(ws: string, input: JobInputs['review']) {
  const start = moment(ws, input.start);
  const end = moment(ws, input.end);
  const since = history.accessSince(docSource(input.start), start.at, input.steps);
  const rows = history.accessRows(end.state).map((r) => {
    const u = end.state.users.get(r.userId)!;
    const s = since.get(history.accessKey(r.userId, r.resourceType, r.resourceId));
    return {
      user: { id: u.id, email: u.email, name: u.name, role: u.role },
      resourceType: r.resourceType,
      resourceId: r.resourceId,
      resourceName: r.resourceName,
      level: r.level,
      hidden: r.hidden,
      via: r.via,
      since: s === undefined ? null : iso(s),
    };
  });
  return { moment: momentJson(end), historyStart: iso(start.at), rows };
}

function accessAt(ws: string, input: JobInputs['access']) {
  const m = moment(ws, input.moment);
  const user = input.userRef ? userIn(m.state, input.userRef) : m.state.users.get(input.selfId);
  if (!user) throw new ApiError('not-found', 'You were not a user of this workspace at that moment');
  return accessJson(m, user);
}

/** Whom a reference (id or email) names at a moment: from the index's users alone where it has them. */
function userIdAt(ws: string, input: JobInputs['user-id']): string {
  const ix = input.moment.index;
  const users = ix
    ? history.usersFromIndex(checkpointJson(ix), ix.changes)
    : moment(ws, input.moment).state.users;
  // Who an email names is read from the users alone (rules/identity.ts).
  return userIn({ users } as Pick<WorkspaceState, 'users'> as WorkspaceState, input.userRef).id;
}

/** The doc of a moment read from the Yjs history (replays and the doc itself need it). */
function docSource(m: MomentInput): HistoryDoc {
  if (!m.source) throw new Error('this history job needs the doc, not the index');
  return m.source;
}

/** The doc as of a moment as one V1 update, and the moment's seq cut. */
function docBytes(input: JobInputs['doc']) {
  const doc = history.docAt(docSource(input.moment));
  const bytes = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return { bytes, seq: cutOf(input.moment).uptoSeq };
}

/** The states themselves (a decision at a past time, undo's before and after), copied to the caller. */
function states(ws: string, input: JobInputs['state']) {
  return input.moments.map((m) => moment(ws, m));
}

/** The next updates of the log indexed (history-index.ts): their changes, checkpoints, the new head. */
function indexJob(input: JobInputs['index']): IndexRun {
  const { start, steps } = input;
  const run = history.indexSteps(start, steps, {
    withStartModel: input.withStartModel,
    sinceCheckpoint: input.sinceCheckpoint,
    checkpointEvery: CHECKPOINT_EVERY,
  });
  const gz = (json: string) => new Uint8Array(gzipSync(json));
  const checkpoints = run.checkpoints.map((c) => ({ seq: c.seq, at: c.at, data: gz(c.model) }));
  if (run.startModel !== null)
    checkpoints.unshift({ seq: start.uptoSeq, at: start.uptoAt, data: gz(run.startModel) });
  const last = steps[steps.length - 1];
  return {
    checkpoints,
    changes: run.changes,
    head: {
      seq: last?.seq ?? start.uptoSeq,
      at: last?.at ?? start.uptoAt,
      sinceCheckpoint: run.sinceCheckpoint,
    },
  };
}

export const JOBS = {
  state: states,
  access: accessAt,
  diff: accessDiff,
  'timeline-user': userTimeline,
  'timeline-app': appTimeline,
  review: accessReview,
  doc: (_ws: string, input: JobInputs['doc']) => docBytes(input),
  'user-id': (ws: string, input: JobInputs['user-id']) => userIdAt(ws, input),
  index: (_ws: string, input: JobInputs['index']) => indexJob(input),
} satisfies { [K in JobKind]: (workspaceId: string, input: JobInputs[K]) => unknown };

export type JobResult<K extends JobKind> = ReturnType<(typeof JOBS)[K]>;

/** Runs one job (in the worker, or inline where there is none). */
export function runJob<K extends JobKind>(kind: K, workspaceId: string, input: JobInputs[K]): JobResult<K> {
  return (JOBS[kind] as unknown as (ws: string, i: JobInputs[K]) => JobResult<K>)(workspaceId, input);
}
