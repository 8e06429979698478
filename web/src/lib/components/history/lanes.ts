/** Timelines as chart lanes (TimelineChart.svelte): the levels at the start, then each change, as bars. */
import type { AppTimeline, UserTimeline } from '../../services/history-api.ts';

/** One bar: a level held from `start` to `end` (epoch ms). */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly level: string;
}
/** One row of the chart: an app (a user's timeline) or a user (an app's). */
export interface Lane {
  readonly label: string;
  readonly segments: readonly Segment[];
}

/** Bars from a start map (key → level) and changes in time order; open bars end at `end`. */
function build(
  start: number,
  end: number,
  initial: Iterable<[string, string | null]>,
  changes: readonly { at: number; key: string; after: string | null }[],
  labels: ReadonlyMap<string, string>,
): Lane[] {
  const open = new Map<string, { start: number; level: string }>();
  const bars = new Map<string, Segment[]>();
  const close = (key: string, at: number) => {
    const o = open.get(key);
    if (!o) return;
    const list = bars.get(key) ?? [];
    list.push({ start: o.start, end: at, level: o.level });
    bars.set(key, list);
    open.delete(key);
  };
  for (const [key, level] of initial) if (level) open.set(key, { start, level });
  for (const c of changes) {
    close(c.key, c.at);
    if (c.after) open.set(c.key, { start: c.at, level: c.after });
  }
  for (const key of [...open.keys()]) close(key, end);
  return [...bars.entries()]
    .map(([key, segments]) => ({ label: labels.get(key) ?? key, segments }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

export function userLanes(t: UserTimeline): Lane[] {
  const labels = new Map<string, string>();
  const key = (c: { resourceType: string; resourceId: string; resourceName: string }) => {
    const k = `${c.resourceType}:${c.resourceId}`;
    labels.set(k, c.resourceName);
    return k;
  };
  const initial = (t.initial?.access ?? []).map((a) => [key(a), a.level] as [string, string | null]);
  const changes = t.events.flatMap((e) =>
    e.access.map((c) => ({ at: Date.parse(e.at), key: key(c), after: c.after })),
  );
  return build(Date.parse(t.from.at), Date.parse(t.to.at), initial, changes, labels);
}

export function appLanes(t: AppTimeline): Lane[] {
  const labels = new Map<string, string>();
  const key = (u: { id: string; email: string }) => {
    labels.set(u.id, u.email);
    return u.id;
  };
  const initial = t.initial.map((i) => [key(i.user), i.level] as [string, string | null]);
  const changes = t.events.map((e) => ({ at: Date.parse(e.at), key: key(e.user), after: e.after }));
  return build(Date.parse(t.from.at), Date.parse(t.to.at), initial, changes, labels);
}
