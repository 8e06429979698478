/**
 * The Groups list rows: computed once per doc change (not per keystroke), searched by a precomputed
 * lower-case key, and small enough to keep as a local cache so the list draws before the doc has loaded.
 */
import { type Group, isDefaultGroupMember, ROLES, type WorkspaceState } from '../../../../core/index.ts';

/** What the Groups list shows of a group (also what the local list cache stores). */
export interface GroupSummary {
  readonly id: string;
  readonly name: string;
  readonly kind: Group['kind'];
  readonly role?: Group['role'];
}

export interface GroupRow {
  readonly group: GroupSummary;
  readonly memberCount: number;
  /** `group.name` in lower case (search). */
  readonly key: string;
}

export interface GroupSections {
  readonly roles: readonly GroupRow[];
  readonly custom: readonly GroupRow[];
}

const ROLE_ORDER = new Map(ROLES.map((r, i) => [r, i]));
/** One shared collator: `localeCompare` with options builds a new one per call (slow on 10k rows). */
export const COLLATOR = new Intl.Collator(undefined, { sensitivity: 'base' });

/**
 * Per-state memos. `WorkspaceState` is immutable and DocReader shares unchanged collections between
 * versions, so a memo keyed by a collection lives exactly as long as that collection is current.
 */
export function memo<K extends object, V>(compute: (k: K) => V): (k: K) => V {
  const cache = new WeakMap<K, V>();
  return (k) => {
    let v = cache.get(k);
    if (v === undefined) cache.set(k, (v = compute(k)));
    return v;
  };
}

/** Members per default group (by role), as core's `isDefaultGroupMember` counts them. */
const roleCountsOf = memo((users: WorkspaceState['users']) => {
  const counts = new Map<string, number>();
  for (const u of users.values())
    if (isDefaultGroupMember(u, u.role)) counts.set(u.role, (counts.get(u.role) ?? 0) + 1);
  return counts;
});

export function roleCounts(state: WorkspaceState): Map<string, number> {
  return roleCountsOf(state.users);
}

/** Every live group as a list row, in list order (roles by rank, then custom groups by name). */
const listRowsOf = memo((state: WorkspaceState): readonly GroupRow[] => {
  const counts = roleCounts(state);
  const roles: GroupRow[] = [];
  const custom: GroupRow[] = [];
  const seenRoles = new Set<string>();
  for (const g of state.groups.values()) {
    if (g.deletedAt !== undefined) continue;
    const group: GroupSummary = { id: g.id, name: g.name, kind: g.kind, role: g.role };
    const key = g.name.toLowerCase();
    if (g.kind === 'default') {
      if (!g.role || seenRoles.has(g.role)) continue;
      seenRoles.add(g.role);
      roles.push({ group, memberCount: counts.get(g.role) ?? 0, key });
    } else custom.push({ group, memberCount: g.members.size, key });
  }
  roles.sort((a, b) => (ROLE_ORDER.get(a.group.role!) ?? 0) - (ROLE_ORDER.get(b.group.role!) ?? 0));
  custom.sort((a, b) => COLLATOR.compare(a.group.name, b.group.name));
  return [...roles, ...custom];
});

export function groupListRows(state: WorkspaceState): readonly GroupRow[] {
  return listRowsOf(state);
}

/** Splits list rows into the two sections, keeping those whose name contains `query` (any case). */
export function filterSections(rows: readonly GroupRow[], query: string): GroupSections {
  const q = query.trim().toLowerCase();
  const roles: GroupRow[] = [];
  const custom: GroupRow[] = [];
  for (const r of rows) {
    if (q !== '' && !r.key.includes(q)) continue;
    (r.group.kind === 'default' ? roles : custom).push(r);
  }
  return { roles, custom };
}

export function groupSections(state: WorkspaceState, query: string): GroupSections {
  return filterSections(groupListRows(state), query);
}
