/**
 * One user's timeline from the history index (issue 15): the model at the window's start, then only the
 * changes that user's access reads — the shared ones (groups' own fields and grants, apps, data sources)
 * and their own (`u:<id>`: the user and their memberships) — applied in seq order to a projection of the
 * model onto that user. Each step that can change their access (as `userTimeline` decides it on the Yjs
 * replay: it touched them, an app or data source, or a group they were in before or after) is read with
 * `userPoint` on the projection: the user, the default groups and the groups they hold a membership of —
 * everything `accessFor` reads for one user — so a step costs O(their groups), not O(workspace). A custom
 * group's changes are read only once the user holds a membership of it (until then they wait unparsed).
 */
import { nextStateVersion } from '../doc/doc-reader.ts';
import type { Group, Membership, User, WorkspaceState } from '../model.ts';
import { isLiveMembership } from '../rules/memberships.ts';
import { applyChange, type GroupRecord, groupAt, type IndexModel } from './model-index.ts';
import { type UserEvent, type UserPoint, userEvent, userPoint } from './timeline.ts';

/** One stored change with its update's seq and commit time. */
export interface TimedChange {
  readonly seq: number;
  readonly at: number;
  readonly entity: string;
  readonly data: string;
}

/** The projection: the model with every other user and every other user's memberships left out. */
function project(model: IndexModel, userId: string): IndexModel {
  const groups = new Map<string, GroupRecord>();
  for (const [id, g] of model.groups) {
    const held = g.memberships.get(userId);
    groups.set(id, { ...g, memberships: new Map(held ? [[userId, held]] : []), grants: new Map(g.grants) });
  }
  const user = model.users.get(userId);
  return {
    meta: model.meta,
    users: new Map(user ? [[userId, user]] : []),
    groups,
    apps: new Map(model.apps),
    dataSources: new Map(model.dataSources),
    conflicts: new Map(),
  };
}

const heldLive = (held: readonly Membership[] | undefined, at: number) =>
  held?.some((m) => isLiveMembership(m, at)) === true;

/** Whether the user counts in the group at `at` (a default group counts everyone, as `userTimeline` has it). */
function inGroup(p: IndexModel, groupId: string, userId: string, at: number): boolean {
  const g = p.groups.get(groupId);
  return !!g && (g.kind === 'default' || heldLive(g.memberships.get(userId), at));
}

/** The projection as a state at `at`: the user, the default groups and the groups they hold a membership of. */
function projectedState(p: IndexModel, userId: string, at: number, version: number): WorkspaceState {
  const groups = new Map<string, Group>();
  for (const [id, g] of p.groups)
    if (g.kind === 'default' || g.memberships.has(userId)) groups.set(id, groupAt(g, at));
  return {
    version,
    meta: p.meta,
    users: p.users,
    groups,
    apps: p.apps,
    dataSources: p.dataSources,
    conflicts: p.conflicts,
  };
}

/** A change the projection keeps: shared ones and the user's own (not other users', not conflicts). */
const ours = (entity: string, userId: string) =>
  entity === `u:${userId}` || !(entity.startsWith('u:') || entity.startsWith('c:'));

/** The entities one seq's changes name, as `userTimeline` weighs them. */
function weigh(batch: readonly TimedChange[], userId: string) {
  const groups = new Set<string>();
  let user = false;
  let resources = false;
  for (const c of batch) {
    const prefix = c.entity.slice(0, 2);
    if (prefix === 'a:' || prefix === 'd:') resources = true;
    else if (prefix === 'g:') groups.add(c.entity.slice(2));
    else if (c.entity === `u:${userId}`) {
      const parsed = JSON.parse(c.data) as { user?: unknown; m?: Record<string, unknown> };
      if (parsed.user !== undefined) user = true;
      for (const gid of Object.keys(parsed.m ?? {})) groups.add(gid);
    }
  }
  return { groups, user, resources };
}

/**
 * Every change of one user's access after the model `start` (the state at `startAt`), from the changes
 * of `indexChangesFor` (seq order), oldest first, at most `limit` — the same events `userTimeline` finds
 * replaying the Yjs updates — and the user as of the last change (null: not a user by then).
 */
export function userTimelineFromIndex(
  start: IndexModel,
  startAt: number,
  changes: readonly TimedChange[],
  userId: string,
  limit = 5_000,
): { initial: UserPoint | null; events: UserEvent[]; truncated: boolean; user: User | null } {
  const p = project(start, userId);
  const pointAt = (at: number) => userPoint(projectedState(p, userId, at, nextStateVersion()), userId);
  // Changes of a custom group the user holds no membership of wait, unparsed, until they get one: it is
  // not in their projected state before that, and most groups never are.
  const deferred = new Map<string, string[]>();
  const apply = (c: TimedChange) => {
    if (c.entity.startsWith('g:')) {
      const id = c.entity.slice(2);
      const g = p.groups.get(id);
      if (g && g.kind === 'custom' && !g.memberships.has(userId)) {
        const waiting = deferred.get(id);
        if (waiting) waiting.push(c.data);
        else deferred.set(id, [c.data]);
        return;
      }
    } else if (c.entity === `u:${userId}`) {
      for (const id of Object.keys((JSON.parse(c.data) as { m?: object }).m ?? {})) {
        for (const data of deferred.get(id) ?? []) applyChange(p, `g:${id}`, data);
        deferred.delete(id);
      }
    }
    applyChange(p, c.entity, c.data);
  };
  const initial = pointAt(startAt);
  let last = initial;
  let lastAt = startAt;
  const events: UserEvent[] = [];
  let truncated = false;
  for (let i = 0; i < changes.length && !truncated; ) {
    const { seq, at } = changes[i]!;
    let j = i;
    while (j < changes.length && changes[j]!.seq === seq) j++;
    const batch = changes.slice(i, j).filter((c) => ours(c.entity, userId));
    i = j;
    const w = weigh(batch, userId);
    const before = [...w.groups].some((g) => inGroup(p, g, userId, lastAt));
    for (const c of batch) apply(c);
    lastAt = at;
    const relevant = w.user || w.resources || before || [...w.groups].some((g) => inGroup(p, g, userId, at));
    if (!relevant) continue;
    const point = pointAt(at);
    const event = userEvent(last, point, { seq, at });
    last = point;
    if (!event) continue;
    if (events.length >= limit) truncated = true;
    else events.push(event);
  }
  return { initial, events, truncated, user: p.users.get(userId) ?? null };
}
