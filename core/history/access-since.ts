/**
 * Since when each user has held their level on each resource (the access review's "since" column): the
 * window's updates replayed (timeline.ts), and for the users each update can affect, the level per
 * resource compared with the one before. A level held since the window's start reads as that start.
 */
import type { Level, WorkspaceState } from '../model.ts';
import type { Touched } from '../rules/change-verdict.ts';
import { accessKey, accessRows } from './access-map.ts';
import type { MomentSource } from './rebuild-at.ts';
import { replay, type TimedStep } from './timeline.ts';

/** The users an update can change the access of: everyone when it wrote a resource or a default group. */
function affected(prev: WorkspaceState, next: WorkspaceState, t: Touched): Set<string> | 'all' {
  if (t.apps.size > 0 || t.dataSources.size > 0) return 'all';
  const out = new Set(t.users);
  for (const id of t.groups)
    for (const s of [prev, next]) {
      const g = s.groups.get(id);
      if (!g) continue;
      if (g.kind === 'default') return 'all';
      for (const m of g.members) out.add(m);
    }
  return out;
}

/** Key (accessKey) → since when (epoch ms) its current level holds, at the end of the window. */
export function accessSince(
  start: MomentSource,
  startAt: number,
  steps: readonly TimedStep[],
): Map<string, number> {
  /** Per user: key → the level and since when. */
  const held = new Map<string, Map<string, { level: Level; since: number }>>();
  const refresh = (state: WorkspaceState, userIds: Iterable<string> | undefined, at: number) => {
    const ids = [...(userIds ?? state.users.keys())];
    const fresh = new Map<string, Map<string, { level: Level; since: number }>>(
      ids.map((id) => [id, new Map()]),
    );
    for (const r of accessRows(state, ids)) {
      const key = accessKey(r.userId, r.resourceType, r.resourceId);
      const was = held.get(r.userId)?.get(key);
      fresh.get(r.userId)!.set(key, { level: r.level, since: was?.level === r.level ? was.since : at });
    }
    for (const [id, m] of fresh) held.set(id, m);
  };
  replay(
    start,
    startAt,
    steps,
    (state) => refresh(state, undefined, startAt),
    (prev, next, t, step) => {
      const who = affected(prev, next, t);
      refresh(next, who === 'all' ? undefined : who, step.at);
    },
  );
  const since = new Map<string, number>();
  for (const m of held.values()) for (const [key, h] of m) since.set(key, h.since);
  return since;
}
