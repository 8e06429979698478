/** What a caller of `impactBetween` knows or does not need (history's diff between two moments). */
export interface ImpactShortcuts {
  /** Users known to hold the same level and visibility on every resource at both states: no rows. */
  readonly sameAccess?: (userId: string) => boolean;
  /**
   * Only the rows are read, not `usersAffected`: once the rows are cut, users' access is not diffed
   * (`usersAffected` then counts the users up to the cut and the role changes).
   */
  readonly rowsOnly?: boolean;
}

/** What every step of one impact reads (the states, the touched entities) and the rows the steps write. */
import type { Group, ResourceType, Role, User, WorkspaceState } from '../model.ts';
import type { Op } from '../ops.ts';
import { effectiveDefaultGroup } from '../rules/default-groups.ts';
import { type ImpactAccess, impactAccess } from './before-access.ts';
import {
  type AccessChange,
  type Impact,
  MAX_ACCESS_CHANGES,
  type MembershipChange,
  type RoleChange,
} from './impact-types.ts';
import { seatCounts } from './seat-counts.ts';

/** What the ops of a change write. */
export interface Touched {
  readonly users: Set<string>;
  readonly groups: Set<string>;
  readonly defaultRoles: Set<Role>;
}

/** The users and groups the ops write, and the default roles whose group they change. */
export function touchedBy(before: WorkspaceState, after: WorkspaceState, ops: readonly Op[]): Touched {
  const t: Touched = { users: new Set(), groups: new Set(), defaultRoles: new Set() };
  const touchGroup = (id: string) => {
    t.groups.add(id);
    const role = (after.groups.get(id) ?? before.groups.get(id))?.role;
    if (role) t.defaultRoles.add(role);
  };
  for (const op of ops) {
    if (op.type === 'entity.create' || op.type === 'entity.set') {
      if (op.collection === 'users') t.users.add(op.id);
      else if (op.collection === 'groups') touchGroup(op.id);
    } else if (op.type === 'member.add' || op.type === 'member.remove') {
      touchGroup(op.groupId);
      t.users.add(op.userId);
    } else if (op.type !== 'meta.set' && op.type !== 'request.put') touchGroup(op.groupId);
  }
  return t;
}

function sameFlags(a: Group['flags'], b: Group['flags']): boolean {
  if (a === b) return true;
  for (const k of Object.keys(a) as (keyof Group['flags'])[]) if (a[k] !== b[k]) return false;
  return true;
}

export function isMemberOf(
  before: WorkspaceState,
  after: WorkspaceState,
  groupId: string,
  userId: string,
): boolean {
  return !!(
    before.groups.get(groupId)?.members.has(userId) || after.groups.get(groupId)?.members.has(userId)
  );
}

export { isBuilderSeat, isPaidSeat } from './seat-counts.ts';

/** The access-change rows, cut at MAX_ACCESS_CHANGES. */
class AccessRows {
  readonly rows: AccessChange[] = [];
  truncated = false;
  push(row: AccessChange): void {
    if (this.rows.length >= MAX_ACCESS_CHANGES) this.truncated = true;
    else this.rows.push(row);
  }
}

/** A user counts in a touched group before (`WAS_MEMBER`) or after (`IS_MEMBER`). */
export const WAS_MEMBER = 1;
export const IS_MEMBER = 2;

export interface TouchedGroup {
  readonly id: string;
  readonly name: string;
}

/** The touched groups of one user, and their WAS_MEMBER | IS_MEMBER bits (parallel arrays). */
export interface UserTouched {
  readonly groups: readonly TouchedGroup[];
  readonly bits: readonly number[];
}

const NO_MEMBERS: ReadonlySet<string> = new Set();
const NOT_TOUCHED: UserTouched = { groups: [], bits: [] };
const isLiveCustom = (g: Group | undefined) => !!g && g.kind === 'custom' && g.deletedAt === undefined;

/** What every step of one impact reads, and the rows they write. */
export class ImpactDiff {
  readonly roleChanges: RoleChange[] = [];
  readonly access = new AccessRows();
  readonly membershipsAdded: MembershipChange[] = [];
  readonly membershipsRemoved: MembershipChange[] = [];
  readonly affectedUsers = new Set<string>();
  builderDelta = 0;
  seatDelta = 0;
  /** Groups whose permissions changed (not only their members): only these change a bystander's access. */
  readonly contentChanged: ReadonlySet<string>;
  private readonly defaults = new Map<Role, Group>();
  private readonly live = new Map<ResourceType, number>();
  /** Access and memberships of `before`: in O(the users asked about), or from the index (`full`). */
  readonly beforeAccess: ImpactAccess;
  private identityEmails: Set<string> | null = null;

  constructor(
    readonly before: WorkspaceState,
    readonly after: WorkspaceState,
    readonly touched: Touched,
    /** The full computation, as before the fast path (its reference in the property test). */
    private readonly full = false,
    readonly shortcuts: ImpactShortcuts = {},
  ) {
    this.contentChanged = contentChangedGroups(before, after, touched);
    this.beforeAccess = impactAccess(before, after, touched.users, full);
  }

  /**
   * Whether the ops leave the user's access exactly as it was, as far as the user entity goes: a name
   * change keeps it; role, status, email or creation time (rules 4–7, identity) may move it, and so may
   * an identity change of another touched user with the same email.
   */
  keepsUserAccess(u0: User | undefined, u1: User): boolean {
    if (u0 === u1) return true;
    if (this.full || !u0 || u0.role !== u1.role || u0.status !== u1.status) return false;
    if (u0.email !== u1.email || u0.createdAt !== u1.createdAt) return false;
    if (!this.identityEmails) {
      this.identityEmails = new Set();
      for (const id of this.touched.users) {
        const x = this.before.users.get(id);
        const y = this.after.users.get(id);
        if (x && y && x.email === y.email && x.status === y.status && x.createdAt === y.createdAt) continue;
        if (x) this.identityEmails.add(x.email);
        if (y) this.identityEmails.add(y.email);
      }
    }
    return !this.identityEmails.has(u1.email);
  }

  private memberOf: Map<string, UserTouched> | null = null;

  /**
   * The touched groups `userId` is a member of before or after (the only touched groups whose membership
   * or content can matter to them), each with whether they count in it at each state (`WAS_MEMBER`,
   * `IS_MEMBER`: a member of the live custom group), from one pass over the touched groups' members: per
   * user this is O(their groups), not O(touched groups) — a diff between two moments touches most groups.
   */
  touchedGroupsOf(userId: string): UserTouched {
    if (!this.memberOf) {
      const index = new Map<string, { groups: TouchedGroup[]; bits: number[] }>();
      const add = (userId: string, group: TouchedGroup, bits: number) => {
        let entry = index.get(userId);
        if (!entry) index.set(userId, (entry = { groups: [], bits: [] }));
        entry.groups.push(group);
        entry.bits.push(bits);
      };
      for (const id of this.touched.groups) {
        const g0 = this.before.groups.get(id);
        const g1 = this.after.groups.get(id);
        const group: TouchedGroup = { id, name: (g1 ?? g0)?.name ?? '' };
        const m0 = g0?.members ?? NO_MEMBERS;
        const m1 = g1?.members ?? NO_MEMBERS;
        const was = isLiveCustom(g0) ? WAS_MEMBER : 0;
        const is = isLiveCustom(g1) ? IS_MEMBER : 0;
        for (const m of m1) add(m, group, (m0.has(m) ? was : 0) | is);
        for (const m of m0) if (!m1.has(m)) add(m, group, was);
      }
      this.memberOf = index;
    }
    return this.memberOf.get(userId) ?? NOT_TOUCHED;
  }

  defaultGroup(role: Role): Group {
    let g = this.defaults.get(role);
    if (!g) this.defaults.set(role, (g = effectiveDefaultGroup(this.after, role)));
    return g;
  }

  /** Live apps or data sources after the change (tombstones do not count). */
  liveCount(type: ResourceType): number {
    let n = this.live.get(type);
    if (n === undefined) {
      n = 0;
      for (const r of (type === 'app' ? this.after.apps : this.after.dataSources).values())
        if (r.deletedAt === undefined) n++;
      this.live.set(type, n);
    }
    return n;
  }

  result(): Impact {
    const { builders: buildersBefore, seats: seatsBefore } = seatCounts(this.before, this.full);
    return {
      roleChanges: this.roleChanges,
      accessChanges: this.access.rows,
      accessChangesTruncated: this.access.truncated,
      membershipsAdded: this.membershipsAdded,
      membershipsRemoved: this.membershipsRemoved,
      buildersBefore,
      buildersAfter: buildersBefore + this.builderDelta,
      builderDelta: this.builderDelta,
      seatsBefore,
      seatsAfter: seatsBefore + this.seatDelta,
      seatDelta: this.seatDelta,
      usersAffected: this.affectedUsers.size,
    };
  }
}

/** Step 1: the users whose access the ops can change — touched users, members of touched groups, roles. */
export function affectedUsers(before: WorkspaceState, after: WorkspaceState, touched: Touched): Set<string> {
  const affected = new Set(touched.users);
  for (const id of touched.groups)
    for (const g of [before.groups.get(id), after.groups.get(id)])
      if (g) for (const m of g.members) affected.add(m);
  if (touched.defaultRoles.size > 0)
    for (const u of after.users.values()) {
      const old = before.users.get(u.id);
      if (touched.defaultRoles.has(u.role) || (old && touched.defaultRoles.has(old.role))) affected.add(u.id);
    }
  return affected;
}

function contentChangedGroups(before: WorkspaceState, after: WorkspaceState, touched: Touched): Set<string> {
  const out = new Set<string>();
  for (const id of touched.groups) {
    const g0 = before.groups.get(id);
    const g1 = after.groups.get(id);
    if (
      !g0 ||
      !g1 ||
      g0.grants !== g1.grants ||
      g0.deletedAt !== g1.deletedAt ||
      !sameFlags(g0.flags, g1.flags)
    )
      out.add(id);
  }
  return out;
}
