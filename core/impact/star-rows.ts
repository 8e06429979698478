/**
 * Presentation of an impact's '*' rows ("all other apps: No access → Edit"): the resources such a row
 * covers, by name, so a preview can say which apps (the first few, "and 312 more", expandable).
 * A '*' row covers every live resource of its type that has no row of its own for that user and is not
 * in its `exceptIds` (resources a custom grant names whose access does not change).
 */
import type { ResourceType, WorkspaceState } from '../model.ts';
import type { AccessChange, Impact } from './impact-types.ts';

const COLLATOR = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** For each '*' row of `impact`, the names of the resources it covers in `state`, sorted. */
export function starRowNames(
  state: WorkspaceState,
  impact: Impact,
): ReadonlyMap<AccessChange, readonly string[]> {
  const out = new Map<AccessChange, readonly string[]>();
  const stars = impact.accessChanges.filter((a) => a.resourceId === '*');
  if (stars.length === 0) return out;
  const own = new Map<string, Set<string>>();
  for (const a of impact.accessChanges) {
    if (a.resourceId === '*') continue;
    const key = `${a.userId}\u0000${a.resourceType}`;
    let set = own.get(key);
    if (!set) own.set(key, (set = new Set()));
    set.add(a.resourceId);
  }
  const sorted = new Map<ResourceType, { id: string; name: string }[]>();
  const live = (type: ResourceType) => {
    let list = sorted.get(type);
    if (!list) {
      const pool = type === 'app' ? state.apps : state.dataSources;
      list = [...pool.values()]
        .filter((r) => r.deletedAt === undefined)
        .map((r) => ({ id: r.id, name: r.name }))
        .sort((a, b) => COLLATOR.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
      sorted.set(type, list);
    }
    return list;
  };
  for (const star of stars) {
    const mine = own.get(`${star.userId}\u0000${star.resourceType}`);
    const except = new Set(star.exceptIds ?? []);
    out.set(
      star,
      live(star.resourceType)
        .filter((r) => !mine?.has(r.id) && !except.has(r.id))
        .map((r) => r.name),
    );
  }
  return out;
}
