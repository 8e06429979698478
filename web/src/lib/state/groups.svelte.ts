/**
 * Groups view models: the list (search; sections "User roles" and "Custom groups") and one group's page
 * (members, addable users, grants, default-group restrictions). Pure selectors are exported for tests.
 */
import {
  checkCanJoinGroup,
  type DefaultGroupRestrictions,
  defaultGroupRestrictions,
  effectiveDefaultGroup,
  type Grant,
  type Group,
  isDefaultGroupMember,
  liveGrants,
  type User,
  type WorkspaceState,
} from '../../../../core/index.ts';
import { COLLATOR, filterSections, groupListRows, memo } from './group-list.ts';
import { workspace } from './workspace.svelte.ts';

export {
  filterSections,
  type GroupRow,
  type GroupSections,
  type GroupSummary,
  groupListRows,
  groupSections,
  roleCounts,
} from './group-list.ts';

interface SortedUser {
  readonly user: User;
  /** Lower-case name (search); the email is stored in lower case already. */
  readonly name: string;
}

/** Every user sorted by name (then email), with its search key: sorted once per users version. */
const sortedUsersOf = memo((users: WorkspaceState['users']): readonly SortedUser[] =>
  [...users.values()].sort(byName).map((user) => ({ user, name: user.name.toLowerCase() })),
);

function userMatches(u: SortedUser, q: string): boolean {
  return q === '' || u.user.email.includes(q) || u.name.includes(q);
}

function byName(a: User, b: User): number {
  return COLLATOR.compare(a.name || a.email, b.name || b.email);
}

/**
 * Sorts the users ahead of time (in idle time on the Groups page), so opening a large group only filters.
 */
export function warmGroupPages(state: WorkspaceState): void {
  sortedUsersOf(state.users);
}

/** Members of a group, sorted by name: for default groups, core's `isDefaultGroupMember` (as REST lists them). */
function sortedMembers(state: WorkspaceState, group: Group): readonly SortedUser[] {
  const all = sortedUsersOf(state.users);
  if (group.kind === 'default') {
    const role = group.role;
    return role ? all.filter((s) => isDefaultGroupMember(s.user, role)) : [];
  }
  // Small groups: look the members up instead of scanning every user.
  if (group.members.size * 16 < all.length) {
    const out: SortedUser[] = [];
    for (const id of group.members) {
      const u = state.users.get(id);
      if (u) out.push({ user: u, name: u.name.toLowerCase() });
    }
    return out.sort((a, b) => byName(a.user, b.user));
  }
  return all.filter((s) => group.members.has(s.user.id));
}

export function memberIds(state: WorkspaceState, group: Group): string[] {
  return sortedMembers(state, group).map((s) => s.user.id);
}

export function groupMembers(state: WorkspaceState, group: Group, query: string): User[] {
  const q = query.trim().toLowerCase();
  const out: User[] = [];
  for (const s of sortedMembers(state, group)) if (userMatches(s, q)) out.push(s.user);
  return out;
}

/** How many candidates the Add-users picker lists (before and while searching). */
export const ADDABLE_LIMIT = 50;

/** Users that may be added to a custom group: not members, and core's `checkCanJoinGroup` (rule 7). */
export function addableUsers(
  state: WorkspaceState,
  group: Group,
  query: string,
  limit = ADDABLE_LIMIT,
): User[] {
  const q = query.trim().toLowerCase();
  const out: User[] = [];
  for (const s of sortedUsersOf(state.users)) {
    const u = s.user;
    if (group.members.has(u.id) || !checkCanJoinGroup(u).ok || !userMatches(s, q)) continue;
    out.push(u);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * A group's grants as its page lists them. The Admin group's grants are built in (Edit on all apps,
 * Configure on all data sources) and not stored, so with `state` they are taken from the effective group:
 * an empty list there would read as "Admins have no access".
 */
export function grantsOf(group: Group, state?: WorkspaceState): { apps: Grant[]; dataSources: Grant[] } {
  const source =
    state && group.kind === 'default' && group.role === 'admin'
      ? effectiveDefaultGroup(state, 'admin')
      : group;
  const grants = liveGrants(source).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  return {
    apps: grants.filter((g) => g.resourceType === 'app'),
    dataSources: grants.filter((g) => g.resourceType === 'dataSource'),
  };
}

export function restrictionsOf(group: Group): DefaultGroupRestrictions | null {
  return group.kind === 'default' && group.role ? defaultGroupRestrictions(group.role) : null;
}

/** The Groups list page: from the doc, or from the local list cache while the doc is still loading. */
export class GroupsList {
  query = $state('');
  readonly rows = $derived(workspace.state ? groupListRows(workspace.state) : (workspace.cachedList ?? []));
  readonly sections = $derived(filterSections(this.rows, this.query));
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
  /** Every member, sorted (built once per doc change, not per keystroke). */
  private readonly allMembers = $derived(
    workspace.state && this.group ? sortedMembers(workspace.state, this.group) : [],
  );
  readonly members = $derived.by(() => {
    const q = this.memberQuery.trim().toLowerCase();
    const out: User[] = [];
    for (const s of this.allMembers) if (userMatches(s, q)) out.push(s.user);
    return out;
  });
  readonly memberCount = $derived(this.allMembers.length);
  readonly addable = $derived(
    workspace.state && this.group && this.group.kind === 'custom'
      ? addableUsers(workspace.state, this.group, this.addQuery)
      : [],
  );
  readonly grants = $derived(
    this.group ? grantsOf(this.group, workspace.state ?? undefined) : { apps: [], dataSources: [] },
  );
  readonly restrictions = $derived(this.group ? restrictionsOf(this.group) : null);

  constructor(groupId: string) {
    this.groupId = groupId;
  }
}

/**
 * Focus after an action that replaces what had focus (create, duplicate, delete navigate away): the next
 * Groups page to draw gives its heading the focus, instead of letting it fall to the top of the document.
 * Only after such an action: a page opened by URL leaves the first Tab stop to the skip link.
 */
let headingFocusPending = false;

export function focusHeadingNext(): void {
  headingFocusPending = true;
}

/** Focuses `heading` when an action asked for it (see focusHeadingNext); true when it did. */
export function takeHeadingFocus(heading: HTMLElement | undefined | null): boolean {
  if (!headingFocusPending || !heading) return false;
  headingFocusPending = false;
  heading.focus();
  return true;
}
