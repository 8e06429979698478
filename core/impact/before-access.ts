/**
 * What one impact reads of the two states' access, in O(the users it asks about): memberships and
 * identities from the compiled form of `before` (compiled-update.ts keeps it incrementally along a
 * reader's versions) instead of the per-state access index, which costs O(workspace) on every new
 * version. Each answer is exactly the index's: the same groups in the same order (the order of
 * `before.groups`), so rows come out byte-identical (test/core/impact-fast-path.property.test.ts).
 */
import { type AccessSources, accessIndex, accessSources } from '../access/access-index.ts';
import type { CompiledParts } from '../access/compiled-access.ts';
import { compiledAccess } from '../access/compiled-update.ts';
import { accessFor, UserAccess } from '../access/user-access.ts';
import type { Group, Role, User, WorkspaceState } from '../model.ts';
import { effectiveDefaultGroup } from '../rules/default-groups.ts';
import { compareIdentity, isIdentity } from '../rules/identity.ts';
import { meetsGroupRole } from '../rules/roles.ts';

/** Each group's position in its map's iteration order, once per groups map (shared by many versions). */
const positions = new WeakMap<ReadonlyMap<string, Group>, Map<string, number>>();

function positionsOf(groups: ReadonlyMap<string, Group>): Map<string, number> {
  let p = positions.get(groups);
  if (!p) {
    p = new Map();
    let i = 0;
    for (const id of groups.keys()) p.set(id, i++);
    positions.set(groups, p);
  }
  return p;
}

/** The user of `state` among `ids` (and `more`) with `email` that rules/identity.ts picks. */
function identityAmong(
  state: WorkspaceState,
  email: string,
  ids: Iterable<string>,
  more: Iterable<string> = [],
): User | undefined {
  let best: User | undefined;
  for (const list of [ids, more])
    for (const id of list) {
      const u = state.users.get(id);
      if (u && u.email === email && (!best || compareIdentity(u, best) < 0)) best = u;
    }
  return best;
}

/** What the impact reads of the access of `before` (and of identity in `after`). */
export interface ImpactAccess {
  /** The user's live custom memberships in `before`, as the index splits them by their `before` role. */
  memberships(userId: string): { counted: readonly Group[]; ignored: readonly Group[] };
  /** `accessFor(before, userId)`. */
  access(userId: string): UserAccess | null;
  /** `isIdentity(after, user)`. */
  isIdentityAfter(user: User): boolean;
}

/** The full computation: `before`'s access index, O(workspace) once per state (the fast path's reference). */
export class IndexedAccess implements ImpactAccess {
  constructor(
    readonly before: WorkspaceState,
    readonly after: WorkspaceState,
  ) {}
  memberships(userId: string): { counted: readonly Group[]; ignored: readonly Group[] } {
    const idx = accessIndex(this.before);
    return { counted: idx.userGroups.get(userId) ?? [], ignored: idx.ignoredMemberships.get(userId) ?? [] };
  }
  access(userId: string): UserAccess | null {
    return accessFor(this.before, userId);
  }
  isIdentityAfter(user: User): boolean {
    return isIdentity(this.after, user);
  }
}

export class BeforeAccess implements ImpactAccess {
  private parts: CompiledParts | null = null;
  private readonly defaults = new Map<Role, Group>();
  private readonly cache = new Map<string, UserAccess | null>();

  constructor(
    readonly before: WorkspaceState,
    readonly after: WorkspaceState,
    /** Every user the two states differ in. */
    private readonly touchedUsers: ReadonlySet<string>,
  ) {}

  private get compiled(): CompiledParts {
    this.parts ??= compiledAccess(this.before).parts;
    return this.parts;
  }

  memberships(userId: string): { counted: Group[]; ignored: Group[] } {
    const counted: Group[] = [];
    const ignored: Group[] = [];
    const user = this.before.users.get(userId);
    const ids = this.compiled.memberOf.get(userId);
    if (!user || !ids) return { counted, ignored };
    const groups: Group[] = [];
    for (const id of ids) {
      const g = this.before.groups.get(id);
      if (g && g.kind === 'custom' && g.deletedAt === undefined && g.members.has(userId)) groups.push(g);
    }
    if (groups.length > 1) {
      const pos = positionsOf(this.before.groups);
      groups.sort((a, b) => pos.get(a.id)! - pos.get(b.id)!);
    }
    for (const g of groups) (meetsGroupRole(user, g) ? counted : ignored).push(g);
    return { counted, ignored };
  }

  access(userId: string): UserAccess | null {
    if (this.cache.has(userId)) return this.cache.get(userId)!;
    const user = this.before.users.get(userId);
    let access: UserAccess | null = null;
    if (user) {
      const { counted, ignored } = this.memberships(userId);
      const identity = identityAmong(this.before, user.email, this.compiled.byEmail.get(user.email) ?? []);
      const s: AccessSources = accessSources(user, identity, this.defaultsOf(), [...counted, ...ignored]);
      access = new UserAccess(s.user, s.groups, s.ignored);
    }
    this.cache.set(userId, access);
    return access;
  }

  /** The other users with that email are in `before`'s list or touched. */
  isIdentityAfter(user: User): boolean {
    const ids = this.compiled.byEmail.get(user.email) ?? [];
    return identityAmong(this.after, user.email, ids, this.touchedUsers) === user;
  }

  private defaultsOf(): Readonly<Record<Role, Group>> {
    const get = (role: Role) => {
      let g = this.defaults.get(role);
      if (!g) this.defaults.set(role, (g = effectiveDefaultGroup(this.before, role)));
      return g;
    };
    return { admin: get('admin'), builder: get('builder'), 'end-user': get('end-user') };
  }
}

/** Workspaces (by `meta`, shared by a reader's versions) an impact was computed for. */
const seen = new WeakSet<object>();

/**
 * The access an impact reads: the compiled form from a workspace's second impact on (it is then kept
 * incrementally, O(change) per version); the index for a first one and for `full`, since a cold compiled
 * build costs about twice the index (history's one-off states would pay it on every call).
 */
export function impactAccess(
  before: WorkspaceState,
  after: WorkspaceState,
  touchedUsers: ReadonlySet<string>,
  full: boolean,
): ImpactAccess {
  if (full || !seen.has(before.meta)) {
    if (!full) seen.add(before.meta);
    return new IndexedAccess(before, after);
  }
  return new BeforeAccess(before, after, touchedUsers);
}
