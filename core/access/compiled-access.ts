/**
 * Compiled access: per user, one `AccessCode` per app and per data source in typed arrays over the
 * resource indexes (compiled-groups.ts), so a decision is `vector[index]`. Built once per state; a new
 * state derived from the previous one by a few edits is updated incrementally (compiled-update.ts).
 *
 * The rules are the ones computeAccess applies, from the same functions: which groups count for a user
 * (access-index.ts `accessSources`: default group of the role, rules 4–7, identity), each grant's code and
 * how codes combine (rules/levels.ts). Users with the same set of groups share one set of vectors.
 * Vectors cover live resources only; use `UserAccess` (computeAccess) for the reasons (via).
 */
import {
  FLAGS,
  type Flag,
  type Group,
  type Level,
  type ResourceType,
  type Role,
  type User,
  type WorkspaceState,
} from '../model.ts';
import { effectiveDefaultGroup } from '../rules/default-groups.ts';
import { compareIdentity } from '../rules/identity.ts';
import { type AccessCode, codeHidden, codeLevel, levelRank, NO_ACCESS_CODE } from '../rules/levels.ts';
import { requiredRole } from '../rules/roles.ts';
import { accessSources } from './access-index.ts';
import {
  COMBINE,
  type CompiledGroup,
  type CompiledSet,
  compileGroup,
  compileSet,
  type ResourceIndex,
  type RoleBase,
  resourceIndex,
  roleBase,
  setKey,
} from './compiled-groups.ts';

/**
 * One user's compiled access: the compiled groups that count for them (the role's default group first;
 * none without access). A decision combines those groups' codes at one resource index; the dense
 * vectors (one code per resource) are made on first use, shared by every user with the same groups.
 */
export class CompiledUserAccess {
  constructor(
    /** As access reads them (a duplicate of an email reads as archived until repair). */
    readonly user: User,
    readonly hasAccess: boolean,
    /** Bit i is FLAGS[i]. */
    readonly flags: number,
    readonly groups: readonly CompiledGroup[],
    /** Where the dense vectors come from (only what they need: no version, so old versions are let go). */
    private readonly base: RoleBase | null,
    private readonly sets: Map<string, CompiledSet> | null,
    private set: CompiledSet | null,
  ) {}

  private dense(): CompiledSet {
    if (!this.set) {
      const custom = this.groups.slice(1);
      const key = setKey(this.base!.group, custom);
      let set = this.sets!.get(key);
      if (!set) this.sets!.set(key, (set = compileSet(this.base!, custom)));
      this.set = set;
    }
    return this.set;
  }

  /**
   * The user's `AccessCode` (rules/levels.ts) on the app at `index`; 0 is no access. `vector[index]` once
   * the dense vectors exist, else the combined codes of the user's groups there (no vector is made).
   */
  appCode(index: number): AccessCode {
    if (this.set) return this.set.apps[index] ?? NO_ACCESS_CODE;
    let code = NO_ACCESS_CODE;
    for (const g of this.groups) code = COMBINE[(code << 3) | g.appVector[index]!]!;
    return code;
  }

  dataSourceCode(index: number): AccessCode {
    if (this.set) return this.set.dataSources[index] ?? NO_ACCESS_CODE;
    let code = NO_ACCESS_CODE;
    for (const g of this.groups) code = COMBINE[(code << 3) | g.dataSourceVector[index]!]!;
    return code;
  }

  /** One code per app index (shared with every user of the same groups: never write it). */
  get apps(): Uint8Array {
    return this.dense().apps;
  }

  get dataSources(): Uint8Array {
    return this.dense().dataSources;
  }
}

/** What a compiled state is built from; shared between versions wherever an edit left it alone. */
export interface CompiledParts {
  readonly resources: ResourceIndex;
  /** Each role's default group, compiled with its vectors (the start of every set of that role). */
  readonly defaults: Readonly<Record<Role, RoleBase>>;
  readonly defaultGroups: Readonly<Record<Role, Group>>;
  /** Live custom groups, compiled. */
  readonly groups: ReadonlyMap<string, CompiledGroup>;
  /** User id → ids of the live custom groups that list them (whether or not the membership counts). */
  readonly memberOf: ReadonlyMap<string, readonly string[]>;
  /** Email → ids of the users with that email (identity, rules/identity.ts). */
  readonly byEmail: ReadonlyMap<string, readonly string[]>;
  /** Vectors per set of group serials: valid for every version over the same resource indexes. */
  readonly sets: Map<string, CompiledSet>;
}

/** The previous version and the users whose compiled access the edits between them may have changed. */
export interface CompiledParent {
  readonly access: CompiledAccess;
  readonly invalid: ReadonlySet<string>;
}

export class CompiledAccess {
  private readonly noAccess: CompiledSet;

  constructor(
    readonly state: WorkspaceState,
    readonly parts: CompiledParts,
    private readonly parent: CompiledParent | null = null,
    /** Versions reachable through `parent` (bounded, so old states are let go). */
    readonly depth = 0,
    /** Users' compiled access of this version (more are added on first use). */
    private readonly own = new Map<string, CompiledUserAccess | null>(),
  ) {
    const { apps, dataSources } = parts.resources;
    this.noAccess = {
      flags: 0,
      apps: new Uint8Array(apps.length),
      dataSources: new Uint8Array(dataSources.length),
    };
  }

  get resources(): ResourceIndex {
    return this.parts.resources;
  }

  /** The user's compiled access; null for an unknown user. Cached per version and user. */
  user(userId: string): CompiledUserAccess | null {
    const hit = this.own.get(userId);
    if (hit !== undefined) return hit;
    const inherited = this.inherited(userId);
    const access = inherited !== undefined ? inherited : this.compileUser(userId);
    this.own.set(userId, access);
    return access;
  }

  /** The code of a user on an app (0 for an unknown user or app). */
  appCode(userId: string, appId: string): AccessCode {
    const i = this.parts.resources.appIndex.get(appId);
    if (i === undefined) return NO_ACCESS_CODE;
    return this.user(userId)?.appCode(i) ?? NO_ACCESS_CODE;
  }

  /** One decision: the user's level on a resource (null: none, or not a live resource). */
  level(userId: string, type: ResourceType, id: string): Level | null {
    const a = this.user(userId);
    if (!a) return null;
    return codeLevel(type, codeOf(this, a, type, id));
  }

  hidden(userId: string, type: ResourceType, id: string): boolean {
    const a = this.user(userId);
    return a ? codeHidden(codeOf(this, a, type, id)) : false;
  }

  /**
   * Every cached user entry this version and its ancestors hold that is still valid for a version
   * derived from this one by edits that invalidated `invalid`: a chain flattened into one map.
   */
  entriesFor(invalid: ReadonlySet<string>): Map<string, CompiledUserAccess | null> {
    const out = new Map<string, CompiledUserAccess | null>();
    const blocked = new Set(invalid);
    for (let node: CompiledAccess | undefined = this; node; ) {
      for (const [id, entry] of node.own) if (!blocked.has(id) && !out.has(id)) out.set(id, entry);
      const link: CompiledParent | null = node.parent;
      if (link) for (const id of link.invalid) blocked.add(id);
      node = link?.access;
    }
    return out;
  }

  /** An entry of an older version that no edit since invalidated. */
  private inherited(userId: string): CompiledUserAccess | null | undefined {
    let link = this.parent;
    while (link) {
      if (link.invalid.has(userId)) return undefined;
      const hit = link.access.own.get(userId);
      if (hit !== undefined) return hit;
      link = link.access.parent;
    }
    return undefined;
  }

  /** Compiles one user's access (their sources, then their groups' compiled vectors), without caching. */
  compileUser(userId: string): CompiledUserAccess | null {
    const { state, parts } = this;
    const user = state.users.get(userId);
    if (!user) return null;
    let identity: User | undefined;
    for (const id of parts.byEmail.get(user.email) ?? []) {
      const u = state.users.get(id);
      if (u && (!identity || compareIdentity(u, identity) < 0)) identity = u;
    }
    const compiled: CompiledGroup[] = [];
    const memberships: Group[] = [];
    for (const id of parts.memberOf.get(userId) ?? []) {
      const g = parts.groups.get(id);
      if (g) {
        compiled.push(g);
        memberships.push(g.group);
      }
    }
    // rules/roles.ts `requiredRole`, compiled once per group version (a user is in a few groups: a scan).
    const need = (group: Group): Role => {
      for (const c of compiled) if (c.group === group) return c.need;
      return requiredRole(group);
    };
    const sources = accessSources(user, identity, parts.defaultGroups, memberships, need);
    if (!sources.hasAccess)
      return new CompiledUserAccess(sources.user, false, 0, [], null, null, this.noAccess);
    const groups: CompiledGroup[] = [parts.defaults[user.role].group];
    let flags = groups[0]!.flags;
    for (let i = 1; i < sources.groups.length; i++) {
      const group = sources.groups[i]!;
      let g: CompiledGroup | undefined;
      for (const c of compiled) if (c.group === group) g = c;
      g ??= parts.groups.get(group.id)!;
      flags |= g.flags;
      groups.push(g);
    }
    return new CompiledUserAccess(
      sources.user,
      true,
      flags,
      groups,
      parts.defaults[user.role],
      parts.sets,
      null,
    );
  }
}

function codeOf(c: CompiledAccess, a: CompiledUserAccess, type: ResourceType, id: string): AccessCode {
  const res = c.resources;
  const i = (type === 'app' ? res.appIndex : res.dataSourceIndex).get(id);
  if (i === undefined) return NO_ACCESS_CODE;
  return type === 'app' ? a.appCode(i) : a.dataSourceCode(i);
}

/** A code's level and visibility (rules/levels.ts), for readers of vectors. */
export { codeHidden, codeLevel } from '../rules/levels.ts';

/** 0 none, 1 View / Build with, 2 Edit / Configure of each code (rules/levels.ts), as a table. */
const RANKS = Uint8Array.from({ length: 8 }, (_, code) => levelRank(codeLevel('app', code)));

/** The level's rank of a code of a vector, without allocating: what matrices count and compare. */
export function codeRank(code: AccessCode): number {
  return RANKS[code & 7]!;
}

/** Whether a flag is on in compiled flags. */
export function hasFlag(flags: number, flag: Flag): boolean {
  return (flags & (1 << FLAGS.indexOf(flag))) !== 0;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The compiled defaults of a state (Admin fixed, Builder and End-user as stored, rule-breaking parts ignored). */
export function compileDefaults(
  state: WorkspaceState,
  resources: ResourceIndex,
): { defaults: Record<Role, RoleBase>; defaultGroups: Record<Role, Group> } {
  const defaultGroups = {
    admin: effectiveDefaultGroup(state, 'admin'),
    builder: effectiveDefaultGroup(state, 'builder'),
    'end-user': effectiveDefaultGroup(state, 'end-user'),
  };
  return {
    defaults: {
      admin: roleBase(compileGroup(defaultGroups.admin, resources)),
      builder: roleBase(compileGroup(defaultGroups.builder, resources)),
      'end-user': roleBase(compileGroup(defaultGroups['end-user'], resources)),
    },
    defaultGroups,
  };
}

/**
 * Compiles a state from scratch: O(groups' grants + memberships + users). Every user's access is compiled
 * here (a later `user(id)` is a lookup); their dense vectors are made on first use, per set of groups.
 */
export function buildCompiled(state: WorkspaceState): CompiledAccess {
  const resources = resourceIndex(state);
  const groups = new Map<string, CompiledGroup>();
  const memberOf = new Map<string, string[]>();
  for (const g of state.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined) continue;
    groups.set(g.id, compileGroup(g, resources));
    for (const userId of g.members) push(memberOf, userId, g.id);
  }
  const byEmail = new Map<string, string[]>();
  for (const u of state.users.values()) push(byEmail, u.email, u.id);
  const parts: CompiledParts = {
    resources,
    ...compileDefaults(state, resources),
    groups,
    memberOf,
    byEmail,
    sets: new Map(),
  };
  const compiled = new CompiledAccess(state, parts);
  for (const id of state.users.keys()) compiled.user(id);
  return compiled;
}
