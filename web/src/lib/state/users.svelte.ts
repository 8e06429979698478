/**
 * Users page view model: search (email, name or a custom group's name), role/status filters, rows with
 * each user's custom groups, and the selection (select all selects the shown users who may join groups).
 */
import {
  checkCanJoinGroup,
  type Group,
  soleActiveAdmin,
  type User,
  type WorkspaceState,
} from '../../../../core/index.ts';
import { workspace } from './workspace.svelte.ts';

export interface UserRow {
  readonly user: User;
  readonly groups: readonly string[];
}

/** Custom group names per user id. */
export function groupsByUser(state: WorkspaceState): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const g of state.groups.values()) {
    if (g.deletedAt !== undefined || g.kind !== 'custom') continue;
    for (const id of g.members) {
      const list = out.get(id);
      if (list) list.push(g.name);
      else out.set(id, [g.name]);
    }
  }
  return out;
}

export function userRows(state: WorkspaceState, query: string, role: string, status: string): UserRow[] {
  const q = query.trim().toLowerCase();
  const groups = groupsByUser(state);
  const out: UserRow[] = [];
  for (const u of state.users.values()) {
    if (role && u.role !== role) continue;
    if (status && u.status !== status) continue;
    const own = groups.get(u.id) ?? [];
    if (
      q &&
      !u.email.includes(q) &&
      !u.name.toLowerCase().includes(q) &&
      !own.some((g) => g.toLowerCase().includes(q))
    )
      continue;
    out.push({ user: u, groups: own });
  }
  return out.sort((a, b) => a.user.email.localeCompare(b.user.email));
}

/**
 * Whether the Users page offers a password reset link: for a user who joined (active). The server decides
 * (it also checks that they accepted an invitation here) and its refusal is shown as is.
 */
export function canResetPassword(user: Pick<User, 'status'>): boolean {
  return user.status === 'active';
}

export const LAST_ADMIN_REASON =
  'The last active admin can’t be downgraded or archived. Make another user Admin first.';

export function customGroups(state: WorkspaceState): Group[] {
  return [...state.groups.values()]
    .filter((g) => g.deletedAt === undefined && g.kind === 'custom')
    .sort((a, b) => a.name.localeCompare(b.name));
}

export class UsersList {
  query = $state('');
  role = $state('');
  status = $state('');
  selected = $state<string[]>([]);
  readonly rows = $derived(
    workspace.state ? userRows(workspace.state, this.query, this.role, this.status) : [],
  );
  readonly groups = $derived(workspace.state ? customGroups(workspace.state) : []);
  /** The shown users that can be selected (who may join a group: not archived). */
  readonly selectable = $derived(this.rows.filter((r) => checkCanJoinGroup(r.user).ok).map((r) => r.user.id));
  readonly allSelected = $derived(
    this.selectable.length > 0 && this.selectable.every((id) => this.selected.includes(id)),
  );

  selectAll(on: boolean) {
    const shown = new Set(this.selectable);
    this.selected = on
      ? [...new Set([...this.selected, ...this.selectable])]
      : this.selected.filter((id) => !shown.has(id));
  }
  /** The only active admin's id (rule 6, core's `soleActiveAdmin`): they can't be downgraded or archived. */
  readonly soleAdmin = $derived(workspace.state ? (soleActiveAdmin(workspace.state)?.id ?? null) : null);
}
