/**
 * The CPU-heavy half of the permission-history reports (issue 15), as jobs on plain inputs — the storage's
 * history reads (snapshot and update bytes) and audit entries in, reply bodies out — so they run in a
 * worker thread (history-worker.ts) and never on the server's event loop. Every rule comes from core
 * (`history.*`, `accessFor`); audit entries only name causes. history-reports.ts gathers the inputs.
 */
import * as Y from 'yjs';
import { accessFor, history, type User, type WorkspaceState } from '../../core/index.ts';
import { userByEmail } from '../auth/member-of.ts';
import { ApiError } from '../http/respond.ts';
import { userJson } from '../http/serialize.ts';
import type { AuditEntry } from '../storage/audit-store.ts';
import type { HistoryDoc, TimedUpdate } from '../storage/history-store.ts';

/** A moment as read from storage: the doc as of `at` (history-store.ts) and the time asked. */
export interface MomentInput {
  readonly at: number;
  readonly source: HistoryDoc;
}

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
  diff: { readonly from: MomentInput; readonly to: MomentInput; readonly entries: readonly AuditEntry[] };
  'timeline-user': TimelineInput & { readonly userRef: string };
  'timeline-app': TimelineInput & { readonly appRef: string };
  review: TimelineInput;
  doc: { readonly moment: MomentInput };
}
export type JobKind = keyof JobInputs;

/** A replayed window: the moment it starts at, its updates, the moment it ends at, the audit entries. */
export interface TimelineInput {
  readonly start: MomentInput;
  readonly steps: readonly TimedUpdate[];
  readonly end: MomentInput;
  readonly entries: readonly AuditEntry[];
}

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The last few states by (workspace, seq cut, time — memberships expire by the clock, so the same cut at
 * another time can differ): the pages of an as-of view, a diff and its CSV ask for the same moments again.
 */
const CACHED_STATES = 4;
const cache = new Map<string, WorkspaceState>();

export function moment(workspaceId: string, m: MomentInput): Moment {
  const key = `${workspaceId}:${m.source.uptoSeq}:${m.at}`;
  let state = cache.get(key);
  if (state) cache.delete(key);
  else state = history.stateAt(m.source, m.at);
  cache.set(key, state); // most recent last
  while (cache.size > CACHED_STATES) cache.delete(cache.keys().next().value as string);
  return { state, at: m.at, uptoSeq: m.source.uptoSeq, uptoAt: m.source.uptoAt };
}

/** A user by id or email in a state, or 404. */
export function userIn(state: WorkspaceState, ref: string): User {
  const u = state.users.get(ref) ?? userByEmail(state, ref);
  if (!u) throw new ApiError('not-found', 'No such user at that moment');
  return u;
}

export const momentJson = (m: Moment) => ({
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

const causeJson = (e: AuditEntry | null) =>
  e && {
    auditId: e.id,
    at: iso(e.at),
    actor: e.actorId ? { id: e.actorId, email: e.actorEmail, name: e.actorName } : null,
    action: e.action,
    summary: e.summary,
  };

/** The audit entry committed with an update (same time; one that names `entityId` first). */
function causeAt(
  entries: readonly AuditEntry[],
  at: number,
  entityIds: readonly string[],
): AuditEntry | null {
  let found: AuditEntry | null = null;
  for (const e of entries) {
    if (e.at !== at) continue;
    if (e.entities.some((x) => entityIds.includes(x.id))) return e;
    found ??= e;
  }
  return found;
}

function accessDiff(ws: string, input: JobInputs['diff']) {
  const [m0, m1] = [moment(ws, input.from), moment(ws, input.to)];
  const { impact, changes } = history.accessBetween(m0.state, m1.state);
  const causes = history.attributeCauses(m0.state, m1.state, changes, input.entries);
  const emailOf = (id: string) => (m1.state.users.get(id) ?? m0.state.users.get(id))?.email ?? '';
  return {
    from: momentJson(m0),
    to: momentJson(m1),
    changes: changes.map((c, i) => ({
      user: { id: c.userId, email: emailOf(c.userId) },
      resourceType: c.resourceType,
      resourceId: c.resourceId,
      resourceName: c.resourceName,
      before: c.before,
      after: c.after,
      hiddenBefore: c.hiddenBefore,
      hiddenAfter: c.hiddenAfter,
      cause: causeJson(causes[i] ?? null),
    })),
    roleChanges: impact.roleChanges,
    membershipsAdded: impact.membershipsAdded,
    membershipsRemoved: impact.membershipsRemoved,
    buildersBefore: impact.buildersBefore,
    buildersAfter: impact.buildersAfter,
    truncated: impact.accessChangesTruncated,
  };
}

function userTimeline(ws: string, input: JobInputs['timeline-user']) {
  const start = moment(ws, input.start);
  const end = moment(ws, input.end);
  const user = userIn(end.state, input.userRef);
  const t = history.userTimeline(input.start.source, start.at, input.steps, user.id);
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
    events: t.events.map((e) => ({
      ...e,
      at: iso(e.at),
      cause: causeJson(causeAt(input.entries, e.at, [user.id])),
    })),
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
  const t = history.appTimeline(input.start.source, start.at, input.steps, app.id);
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
      cause: causeJson(causeAt(input.entries, e.at, [e.userId, app.id])),
    })),
    truncated: t.truncated,
  };
}

function accessReview(ws: string, input: JobInputs['review']) {
  const start = moment(ws, input.start);
  const end = moment(ws, input.end);
  const since = history.accessSince(input.start.source, start.at, input.steps);
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

/** The doc as of a moment as one V1 update, and the moment's seq cut. */
function docBytes(input: JobInputs['doc']) {
  const doc = history.docAt(input.moment.source);
  const bytes = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return { bytes, seq: input.moment.source.uptoSeq };
}

/** The states themselves (a decision at a past time, undo's before and after), copied to the caller. */
function states(ws: string, input: JobInputs['state']) {
  return input.moments.map((m) => moment(ws, m));
}

export const JOBS = {
  state: states,
  access: accessAt,
  diff: accessDiff,
  'timeline-user': userTimeline,
  'timeline-app': appTimeline,
  review: accessReview,
  doc: (_ws: string, input: JobInputs['doc']) => docBytes(input),
} satisfies { [K in JobKind]: (workspaceId: string, input: JobInputs[K]) => unknown };

export type JobResult<K extends JobKind> = ReturnType<(typeof JOBS)[K]>;

/** Runs one job (in the worker, or inline where there is none). */
export function runJob<K extends JobKind>(kind: K, workspaceId: string, input: JobInputs[K]): JobResult<K> {
  return (JOBS[kind] as unknown as (ws: string, i: JobInputs[K]) => JobResult<K>)(workspaceId, input);
}
