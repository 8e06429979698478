/**
 * Permission history answers for REST (issue 15): access of one user at a moment, the access diff between
 * two moments with the change that caused each row, and timelines for a user or an app. The states come
 * from storage (history-states.ts), every rule from core (`history.*`, `accessFor`); audit entries only
 * name causes.
 */
import { accessFor, history, type User, type WorkspaceState } from '../../core/index.ts';
import { userByEmail } from '../auth/member-of.ts';
import { ApiError } from '../http/respond.ts';
import { userJson } from '../http/serialize.ts';
import type { AuditEntry, AuditStore } from '../storage/audit-store.ts';
import type { HistoryStore } from '../storage/history-store.ts';
import { type Moment, momentAt } from './history-states.ts';

export type HistoryStorage = HistoryStore & Pick<AuditStore, 'queryAudit'>;

/** Audit entries a diff or timeline reads at most (the newest of a longer window). */
const MAX_CAUSES = 50_000;

export const iso = (ms: number) => new Date(ms).toISOString();

/** The moment, or 404 when it is before the kept history. */
export async function mustMoment(store: HistoryStorage, workspaceId: string, at: number): Promise<Moment> {
  const m = await momentAt(store, workspaceId, at);
  if (m) return m;
  const start = await store.historyStart(workspaceId);
  throw new ApiError('not-found', `No history is kept for ${iso(at)}: it starts at ${iso(start)}`, {
    historyStart: iso(start),
  });
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

async function entriesBetween(store: HistoryStorage, workspaceId: string, from: number, to: number) {
  return store.queryAudit({ workspaceId, from: from + 1, to, limit: MAX_CAUSES });
}

/** Access gained and lost between two moments, each row with its cause. */
export async function accessDiff(store: HistoryStorage, workspaceId: string, from: number, to: number) {
  const [m0, m1] = [await mustMoment(store, workspaceId, from), await mustMoment(store, workspaceId, to)];
  const { impact, changes } = history.accessBetween(m0.state, m1.state);
  const entries = from < to ? await entriesBetween(store, workspaceId, from, to) : [];
  const causes = history.attributeCauses(m0.state, m1.state, changes, entries);
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

/** The start moment and the logged updates from it to `to`, for a replay. */
async function window(store: HistoryStorage, workspaceId: string, from: number, to: number) {
  const m0 = await momentAt(store, workspaceId, from);
  const start = m0 ?? (await mustMoment(store, workspaceId, await store.historyStart(workspaceId)));
  const source = await store.docAsOf(workspaceId, start.at);
  const end = await store.docAsOf(workspaceId, to);
  const steps = end ? await store.historyUpdates(workspaceId, start.uptoSeq, end.uptoSeq) : [];
  return { start, source: source!, steps };
}

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

/** Every change of one user's access from `from` to `to`, with causes. */
export async function userTimeline(
  store: HistoryStorage,
  workspaceId: string,
  userRef: string,
  from: number,
  to: number,
) {
  const w = await window(store, workspaceId, from, to);
  const end = await mustMoment(store, workspaceId, to);
  const user = userIn(end.state, userRef);
  const t = history.userTimeline(w.source, w.start.at, w.steps, user.id);
  const entries = await entriesBetween(store, workspaceId, w.start.at, to);
  const pointJson = (p: history.UserPoint | null) =>
    p && {
      role: p.role,
      status: p.status,
      groups: p.groups,
      access: [...p.levels.values()].map((l) => ({ ...l, level: l.after })),
    };
  return {
    user: userJson(user),
    from: momentJson(w.start),
    to: momentJson(end),
    initial: pointJson(t.initial),
    events: t.events.map((e) => ({
      ...e,
      at: iso(e.at),
      cause: causeJson(causeAt(entries, e.at, [user.id])),
    })),
    truncated: t.truncated,
  };
}

/** Who had which level on one app from `from` to `to`, with causes. */
export async function appTimeline(
  store: HistoryStorage,
  workspaceId: string,
  appRef: string,
  from: number,
  to: number,
) {
  const w = await window(store, workspaceId, from, to);
  const end = await mustMoment(store, workspaceId, to);
  const app =
    end.state.apps.get(appRef) ??
    [...end.state.apps.values()].find(
      (a) => a.slug === appRef || a.name.toLowerCase() === appRef.toLowerCase(),
    );
  if (!app) throw new ApiError('not-found', 'No such app at that moment');
  const t = history.appTimeline(w.source, w.start.at, w.steps, app.id);
  const entries = await entriesBetween(store, workspaceId, w.start.at, to);
  const emailOf = (id: string) => (end.state.users.get(id) ?? w.start.state.users.get(id))?.email ?? '';
  return {
    app: { id: app.id, name: app.name, slug: app.slug },
    from: momentJson(w.start),
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
      cause: causeJson(causeAt(entries, e.at, [e.userId, app.id])),
    })),
    truncated: t.truncated,
  };
}

/** The access review at a moment: every user × resource with a level, via which groups, since when. */
export async function accessReview(store: HistoryStorage, workspaceId: string, from: number, at: number) {
  const w = await window(store, workspaceId, from, at);
  const end = await mustMoment(store, workspaceId, at);
  const since = history.accessSince(w.source, w.start.at, w.steps);
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
  return { moment: momentJson(end), historyStart: iso(w.start.at), rows };
}

export type AccessReviewJson = Awaited<ReturnType<typeof accessReview>>;

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
