/**
 * Timelines (issue 15): the updates of a window replayed one by one on the state at its start, through the
 * incremental reader, and what they changed for one user (role, status, groups, level per resource) or for
 * one app (each user's level), read with `accessFor` after each update that can change it.
 */
import * as Y from 'yjs';
import { accessFor } from '../access/user-access.ts';
import { DocReader } from '../doc/doc-reader.ts';
import { touchedByTransaction } from '../doc/touched.ts';
import {
  type Level,
  RESOURCE_TYPES,
  type ResourceType,
  type Role,
  type UserStatus,
  type WorkspaceState,
} from '../model.ts';
import type { Touched } from '../rules/change-verdict.ts';
import { docAt, type MomentSource } from './rebuild-at.ts';

/** One logged update of the window, in commit order. */
export interface TimedStep {
  readonly seq: number;
  readonly at: number;
  readonly update: Uint8Array;
}

export interface LevelChange {
  readonly resourceType: ResourceType;
  readonly resourceId: string;
  readonly resourceName: string;
  readonly before: Level | null;
  readonly after: Level | null;
}

/** Where a user stands at one moment. */
export interface UserPoint {
  readonly role: Role;
  readonly status: UserStatus;
  /** Names of the custom groups that count for them. */
  readonly groups: readonly string[];
  readonly levels: ReadonlyMap<string, LevelChange>;
}

export interface UserEvent {
  readonly seq: number;
  readonly at: number;
  readonly role?: { readonly from: Role | null; readonly to: Role | null };
  readonly status?: { readonly from: UserStatus | null; readonly to: UserStatus | null };
  readonly groupsAdded: readonly string[];
  readonly groupsRemoved: readonly string[];
  readonly access: readonly LevelChange[];
}

export interface AppEvent {
  readonly seq: number;
  readonly at: number;
  readonly userId: string;
  readonly email: string;
  readonly before: Level | null;
  readonly after: Level | null;
}

/**
 * Calls `onStart` with the state at the start, then `onStep` after each update that touched something with
 * the states before and after it and what it touched, and `afterStep` after every update.
 */
export function replay(
  start: MomentSource,
  startAt: number,
  steps: readonly TimedStep[],
  onStart: (state: WorkspaceState) => void,
  onStep: (prev: WorkspaceState, next: WorkspaceState, touched: Touched, step: TimedStep) => void,
  afterStep?: (state: WorkspaceState, step: TimedStep) => void,
): void {
  const doc = docAt(start);
  let now = startAt;
  const reader = new DocReader(doc, () => now);
  let touched: Touched | null = null;
  doc.on('afterTransaction', (tr: Y.Transaction) => {
    touched = touchedByTransaction(doc, tr.changed as never);
  });
  let prev = reader.state();
  onStart(prev);
  try {
    for (const step of steps) {
      now = step.at;
      touched = null;
      Y.applyUpdate(doc, step.update);
      const next = reader.state();
      if (touched) onStep(prev, next, touched, step);
      afterStep?.(next, step);
      prev = next;
    }
  } finally {
    reader.destroy();
    doc.destroy();
  }
}

/** The user's point at a state, or null when they do not exist in it. */
export function userPoint(state: WorkspaceState, userId: string): UserPoint | null {
  const a = accessFor(state, userId);
  if (!a) return null;
  const levels = new Map<string, LevelChange>();
  for (const resourceType of RESOURCE_TYPES)
    for (const r of (resourceType === 'app' ? state.apps : state.dataSources).values()) {
      if (r.deletedAt !== undefined) continue;
      const level = a.hasAccess ? a.level(resourceType, r.id) : null;
      if (level !== null)
        levels.set(`${resourceType}:${r.id}`, {
          resourceType,
          resourceId: r.id,
          resourceName: r.name,
          before: null,
          after: level,
        });
    }
  return {
    role: a.user.role,
    status: a.user.status,
    groups: a.customGroups.map((g) => g.name).sort(),
    levels,
  };
}

/** What changed from one point to the next (null: nothing). */
export function userEvent(
  p0: UserPoint | null,
  p1: UserPoint | null,
  step: { readonly seq: number; readonly at: number },
): UserEvent | null {
  const access: LevelChange[] = [];
  const keys = new Set([...(p0?.levels.keys() ?? []), ...(p1?.levels.keys() ?? [])]);
  for (const k of keys) {
    const x = p0?.levels.get(k);
    const y = p1?.levels.get(k);
    if (x?.after !== y?.after)
      access.push({ ...(y ?? x)!, before: x?.after ?? null, after: y?.after ?? null });
  }
  const g0 = new Set(p0?.groups ?? []);
  const g1 = new Set(p1?.groups ?? []);
  const groupsAdded = [...g1].filter((g) => !g0.has(g));
  const groupsRemoved = [...g0].filter((g) => !g1.has(g));
  const roleChanged = p0?.role !== p1?.role;
  const statusChanged = p0?.status !== p1?.status;
  if (!access.length && !groupsAdded.length && !groupsRemoved.length && !roleChanged && !statusChanged)
    return null;
  return {
    seq: step.seq,
    at: step.at,
    ...(roleChanged ? { role: { from: p0?.role ?? null, to: p1?.role ?? null } } : {}),
    ...(statusChanged ? { status: { from: p0?.status ?? null, to: p1?.status ?? null } } : {}),
    groupsAdded,
    groupsRemoved,
    access,
  };
}

const inGroup = (s: WorkspaceState, groupId: string, userId: string) => {
  const g = s.groups.get(groupId);
  return !!g && (g.kind === 'default' || g.members.has(userId));
};

/** Every change of one user's access in the window, oldest first, at most `limit`. */
export function userTimeline(
  start: MomentSource,
  startAt: number,
  steps: readonly TimedStep[],
  userId: string,
  limit = 5_000,
): { initial: UserPoint | null; events: UserEvent[]; truncated: boolean } {
  const events: UserEvent[] = [];
  let initial: UserPoint | null = null;
  let last: UserPoint | null = null;
  let truncated = false;
  const onStart = (state: WorkspaceState) => {
    last = initial = userPoint(state, userId);
  };
  replay(start, startAt, steps, onStart, (prev, next, t, step) => {
    if (truncated) return;
    const relevant =
      t.users.has(userId) ||
      t.apps.size > 0 ||
      t.dataSources.size > 0 ||
      [...t.groups].some((g) => inGroup(prev, g, userId) || inGroup(next, g, userId));
    if (!relevant) return;
    const point = userPoint(next, userId);
    const event = userEvent(last, point, step);
    last = point;
    if (!event) return;
    if (events.length >= limit) truncated = true;
    else events.push(event);
  });
  return { initial, events, truncated };
}

/** One app's level for every user with some: user id → level. */
function appLevels(
  state: WorkspaceState,
  appId: string,
  userIds: Iterable<string>,
): Map<string, Level | null> {
  const out = new Map<string, Level | null>();
  const live = state.apps.get(appId)?.deletedAt === undefined && state.apps.has(appId);
  for (const id of userIds) {
    const a = live ? accessFor(state, id) : null;
    out.set(id, a?.hasAccess ? a.level('app', appId) : null);
  }
  return out;
}

/** The users an update can change one app's level for: all when it wrote the app or a default group. */
function appAffected(
  prev: WorkspaceState,
  next: WorkspaceState,
  t: Touched,
  appId: string,
): Iterable<string> {
  const all = () => new Set([...prev.users.keys(), ...next.users.keys()]);
  if (t.apps.has(appId)) return all();
  const out = new Set(t.users);
  for (const id of t.groups)
    for (const s of [prev, next]) {
      const g = s.groups.get(id);
      if (!g) continue;
      if (g.kind === 'default') return all();
      for (const m of g.members) out.add(m);
    }
  return out;
}

/** Who had which level on one app: the levels at the window's start, then every change, at most `limit`. */
export function appTimeline(
  start: MomentSource,
  startAt: number,
  steps: readonly TimedStep[],
  appId: string,
  limit = 5_000,
): { initial: Map<string, Level | null>; events: AppEvent[]; truncated: boolean } {
  let initial = new Map<string, Level | null>();
  const current = new Map<string, Level | null>();
  const events: AppEvent[] = [];
  let truncated = false;
  const onStart = (state: WorkspaceState) => {
    initial = appLevels(state, appId, state.users.keys());
    for (const [k, v] of initial) current.set(k, v);
  };
  replay(start, startAt, steps, onStart, (prev, next, t, step) => {
    if (truncated) return;
    for (const [userId, level] of appLevels(next, appId, appAffected(prev, next, t, appId))) {
      const was = current.get(userId) ?? null;
      if (was === level) continue;
      current.set(userId, level);
      if (events.length >= limit) {
        truncated = true;
        return;
      }
      const email = next.users.get(userId)?.email ?? prev.users.get(userId)?.email ?? '';
      events.push({ seq: step.seq, at: step.at, userId, email, before: was, after: level });
    }
  });
  return { initial, events, truncated };
}
