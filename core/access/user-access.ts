/**
 * One user's access, compact: grants with scope "all" form one shared answer for every resource of a type,
 * and custom grants override per resource. A summary costs O(the user's grants), not O(the workspace).
 */
import {
  FLAGS,
  type Flag,
  type Flags,
  type Grant,
  type Group,
  type Level,
  NO_FLAGS,
  type ResourceType,
  type Role,
  type User,
  type WorkspaceState,
} from '../model.ts';
import {
  type AccessCode,
  accessCode,
  codeHidden,
  codeLevel,
  combineCodes,
  NO_ACCESS_CODE,
} from '../rules/levels.ts';
import { accessIndex, sourcesInIndex } from './access-index.ts';

/** Which group and which grant gave a level. */
export interface Via {
  readonly groupId: string;
  readonly groupName: string;
  readonly groupKind: 'default' | 'custom';
  readonly role?: Role | undefined;
  readonly grantId: string;
  readonly grantName: string;
  readonly scope: 'all' | 'custom';
  readonly level: Level;
  readonly hideFromDashboard: boolean;
}

export interface ResourceAccess {
  readonly level: Level | null;
  /** Hidden from the dashboard (rule 2); only ever true with View. */
  readonly hidden: boolean;
  readonly via: readonly Via[];
}

export const NO_ACCESS: ResourceAccess = Object.freeze({
  level: null,
  hidden: false,
  via: Object.freeze([]),
});

/** Rules 1–2 over the grants that give access (the compact codes of rules/levels.ts). */
function codeOfAll(via: readonly Via[]): AccessCode {
  let code = NO_ACCESS_CODE;
  for (const v of via) code = combineCodes(code, codeOf(v));
  return code;
}

function resolve(type: ResourceType, via: readonly Via[], code = codeOfAll(via)): ResourceAccess {
  if (via.length === 0) return NO_ACCESS;
  return { level: codeLevel(type, code), hidden: codeHidden(code), via };
}

function codeOf(v: Via): AccessCode {
  return accessCode(v.level, v.hideFromDashboard);
}

function viaOf(group: Group, grant: Grant): Via {
  return {
    groupId: group.id,
    groupName: group.name,
    groupKind: group.kind,
    role: group.role,
    grantId: grant.id,
    grantName: grant.name,
    scope: grant.scope,
    level: grant.level,
    hideFromDashboard: grant.hideFromDashboard,
  };
}

interface CustomGrant {
  readonly via: Via;
  readonly ids: readonly string[];
}

class TypeAccess {
  readonly all: ResourceAccess;
  /** Level and hidden of every listed resource, as codes: one Map entry per resource, no allocation. */
  readonly codes = new Map<string, AccessCode>();
  private readonly allCode: AccessCode;
  private readonly resolved = new Map<string, ResourceAccess>();
  constructor(
    readonly type: ResourceType,
    private readonly allVia: Via[],
    private readonly custom: CustomGrant[],
  ) {
    const base = codeOfAll(allVia);
    this.allCode = base;
    this.all = resolve(type, allVia, base);
    for (const g of custom) {
      const c = codeOf(g.via);
      for (const id of g.ids) this.codes.set(id, combineCodes(this.codes.get(id) ?? base, c));
    }
  }
  level(id: string): Level | null {
    return codeLevel(this.type, this.codes.get(id) ?? this.allCode);
  }
  hidden(id: string): boolean {
    return codeHidden(this.codes.get(id) ?? this.allCode);
  }
  get(id: string): ResourceAccess {
    if (!this.codes.has(id)) return this.all;
    return this.overrides.get(id)!;
  }
  /** ResourceAccess (with via) of every listed resource, built on first use (summaries need it; decisions do not). */
  get overrides(): ReadonlyMap<string, ResourceAccess> {
    if (this.resolved.size === 0 && this.codes.size > 0) {
      const customVia = new Map<string, Via[]>();
      for (const g of this.custom)
        for (const rid of g.ids) {
          const list = customVia.get(rid);
          if (list) list.push(g.via);
          else customVia.set(rid, [g.via]);
        }
      for (const [rid, via] of customVia) this.resolved.set(rid, resolve(this.type, this.allVia.concat(via)));
    }
    return this.resolved;
  }
}

export class UserAccess {
  /** False for archived users: they keep memberships but have no access (rule 7). */
  readonly hasAccess: boolean;
  readonly flags: Flags;
  /** For each flag that is on, the groups that turn it on. */
  readonly flagVia: Readonly<Partial<Record<Flag, readonly string[]>>>;
  private readonly apps: TypeAccess;
  private readonly dataSources: TypeAccess;

  constructor(
    readonly user: User,
    /** The role's default group first, then the effective custom groups. */
    readonly groups: readonly Group[],
    readonly ignoredGroups: readonly Group[],
  ) {
    this.hasAccess = user.status !== 'archived';
    const allVia: Record<ResourceType, Via[]> = { app: [], dataSource: [] };
    const custom: Record<ResourceType, CustomGrant[]> = { app: [], dataSource: [] };
    const flags: Record<Flag, boolean> = { ...NO_FLAGS };
    const flagVia: Partial<Record<Flag, string[]>> = {};
    if (this.hasAccess) {
      for (const group of groups) {
        for (const f of FLAGS)
          if (group.flags[f]) {
            flags[f] = true;
            (flagVia[f] ??= []).push(group.name);
          }
        for (const grant of group.grants.values()) {
          if (grant.deletedAt !== undefined) continue;
          const via = viaOf(group, grant);
          if (grant.scope === 'all') allVia[grant.resourceType].push(via);
          else custom[grant.resourceType].push({ via, ids: grant.resourceIds });
        }
      }
    }
    this.flags = flags;
    this.flagVia = flagVia;
    this.apps = new TypeAccess('app', allVia.app, custom.app);
    this.dataSources = new TypeAccess('dataSource', allVia.dataSource, custom.dataSource);
  }

  get role(): Role {
    return this.user.role;
  }

  /** Custom groups that count for this user. */
  get customGroups(): readonly Group[] {
    return this.groups.slice(1);
  }

  app(appId: string): ResourceAccess {
    return this.apps.get(appId);
  }

  dataSource(dataSourceId: string): ResourceAccess {
    return this.dataSources.get(dataSourceId);
  }

  resource(type: ResourceType, id: string): ResourceAccess {
    return type === 'app' ? this.apps.get(id) : this.dataSources.get(id);
  }

  /** The level alone (no allocation): what the matrix and impact compare. */
  level(type: ResourceType, id: string): Level | null {
    return (type === 'app' ? this.apps : this.dataSources).level(id);
  }

  hidden(type: ResourceType, id: string): boolean {
    return (type === 'app' ? this.apps : this.dataSources).hidden(id);
  }

  /** Ids of the resources custom grants name (cheap: no ResourceAccess is built). */
  listedIds(type: ResourceType): Iterable<string> {
    return (type === 'app' ? this.apps : this.dataSources).codes.keys();
  }

  /** The access every resource of a type has unless a custom grant names it. */
  allOf(type: ResourceType): ResourceAccess {
    return type === 'app' ? this.apps.all : this.dataSources.all;
  }

  /** Resources named by custom grants (the only ones whose access can differ from `allOf`). */
  listed(type: ResourceType): ReadonlyMap<string, ResourceAccess> {
    return type === 'app' ? this.apps.overrides : this.dataSources.overrides;
  }
}

const cache = new WeakMap<WorkspaceState, Map<string, UserAccess>>();

/** A user's access from the state's index; null for an unknown user. Cached per state and user. */
export function accessFor(state: WorkspaceState, userId: string): UserAccess | null {
  let perState = cache.get(state);
  if (!perState) cache.set(state, (perState = new Map()));
  const hit = perState.get(userId);
  if (hit) return hit;
  const access = computeAccess(state, userId);
  if (access) perState.set(userId, access);
  return access;
}

/** Computes access without touching the per-state cache (what the benchmarks time). */
export function computeAccess(state: WorkspaceState, userId: string): UserAccess | null {
  const user = state.users.get(userId);
  if (!user) return null;
  const sources = sourcesInIndex(accessIndex(state), user);
  return new UserAccess(sources.user, sources.groups, sources.ignored);
}
