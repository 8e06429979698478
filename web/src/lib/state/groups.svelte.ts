/**
 * Groups view models: the list (search; sections "User roles" and "Custom groups") and one group's page
 * (members, addable users, grants, default-group restrictions). Pure selectors are exported for tests.
 */
import {
  type DefaultGroupRestrictions,
  defaultGroupRestrictions,
  type Grant,
  type Group,
  liveGrants,
  ROLES,
  type User,
  type WorkspaceState,
} from '../../../../core/index.ts';
import { workspace } from './workspace.svelte.ts';

export interface GroupRow {
  readonly group: Group;
  readonly memberCount: number;
}

export interface GroupSections {
  readonly roles: readonly GroupRow[];
  readonly custom: readonly GroupRow[];
}

const ROLE_ORDER = new Map(ROLES.map((r, i) => [r, i]));
/** One shared collator: `localeCompare` with options builds a new one per call (slow on 10k rows). */
const COLLATOR = new Intl.Collator(undefined, { sensitivity: 'base' });

function matches(text: string, q: string): boolean {
  return q === '' || text.toLowerCase().includes(q);
}

/** Members of a group: for default groups, the non-archived users with that role. */
export function memberIds(state: WorkspaceState, group: Group): string[] {
  if (group.kind === 'default') {
    const out: string[] = [];
    for (const u of state.users.values())
      if (u.role === group.role && u.status !== 'archived') out.push(u.id);
    return out;
  }
  return [...group.members].filter((id) => state.users.has(id));
}

export function roleCounts(state: WorkspaceState): Map<string, number> {
  const counts = new Map<string, number>();
  for (const u of state.users.values())
    if (u.status !== 'archived') counts.set(u.role, (counts.get(u.role) ?? 0) + 1);
  return counts;
}

export function groupSections(
  state: WorkspaceState,
  query: string,
  counts: Map<string, number> = roleCounts(state),
): GroupSections {
  const q = query.trim().toLowerCase();
  const roles: GroupRow[] = [];
  const custom: GroupRow[] = [];
  const seenRoles = new Set<string>();
  for (const g of state.groups.values()) {
    if (g.deletedAt !== undefined || !matches(g.name, q)) continue;
    if (g.kind === 'default') {
      if (!g.role || seenRoles.has(g.role)) continue;
      seenRoles.add(g.role);
      roles.push({ group: g, memberCount: counts.get(g.role) ?? 0 });
    } else custom.push({ group: g, memberCount: g.members.size });
  }
  roles.sort((a, b) => (ROLE_ORDER.get(a.group.role!) ?? 0) - (ROLE_ORDER.get(b.group.role!) ?? 0));
  custom.sort((a, b) => COLLATOR.compare(a.group.name, b.group.name));
  return { roles, custom };
}

function userMatches(u: User, q: string): boolean {
  return q === '' || u.email.includes(q) || u.name.toLowerCase().includes(q);
}

function byName(a: User, b: User): number {
  return COLLATOR.compare(a.name || a.email, b.name || b.email);
}

export function groupMembers(state: WorkspaceState, group: Group, query: string): User[] {
  const q = query.trim().toLowerCase();
  const out: User[] = [];
  for (const id of memberIds(state, group)) {
    const u = state.users.get(id);
    if (u && userMatches(u, q)) out.push(u);
  }
  return out.sort(byName);
}

/** Users that may be added to a custom group: not members, not archived (rule 7). */
export function addableUsers(state: WorkspaceState, group: Group, query: string, limit = 50): User[] {
  const q = query.trim().toLowerCase();
  const out: User[] = [];
  for (const u of state.users.values()) {
    if (u.status === 'archived' || group.members.has(u.id) || !userMatches(u, q)) continue;
    out.push(u);
  }
  return out.sort(byName).slice(0, limit);
}

export function grantsOf(group: Group): { apps: Grant[]; dataSources: Grant[] } {
  const grants = liveGrants(group).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  return {
    apps: grants.filter((g) => g.resourceType === 'app'),
    dataSources: grants.filter((g) => g.resourceType === 'dataSource'),
  };
}

export function restrictionsOf(group: Group): DefaultGroupRestrictions | null {
  return group.kind === 'default' && group.role ? defaultGroupRestrictions(group.role) : null;
}

/** The Groups list page. */
export class GroupsList {
  query = $state('');
  readonly sections = $derived(
    workspace.state ? groupSections(workspace.state, this.query) : { roles: [], custom: [] },
  );
}

/** One group's page. */
export class GroupPage {
  groupId = $state('');
  memberQuery = $state('');
  addQuery = $state('');
  readonly group = $derived.by(() => {
    const g = workspace.state?.groups.get(this.groupId);
    return g && g.deletedAt === undefined ? g : undefined;
  });
  readonly members = $derived(
    workspace.state && this.group ? groupMembers(workspace.state, this.group, this.memberQuery) : [],
  );
  readonly memberCount = $derived(
    workspace.state && this.group ? memberIds(workspace.state, this.group).length : 0,
  );
  readonly addable = $derived(
    workspace.state && this.group && this.group.kind === 'custom'
      ? addableUsers(workspace.state, this.group, this.addQuery)
      : [],
  );
  readonly grants = $derived(this.group ? grantsOf(this.group) : { apps: [], dataSources: [] });
  readonly restrictions = $derived(this.group ? restrictionsOf(this.group) : null);

  constructor(groupId: string) {
    this.groupId = groupId;
  }
}
