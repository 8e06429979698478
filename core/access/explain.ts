/**
 * Why a user has a level on a resource, or why not, and the smallest changes that would grant more
 * ("member of HR would give View"). Peers answer "403"; Gatehouse answers with reasons and a way forward.
 * The suggestions are read from the compiled access (compiled-access.ts): what a change would give is the
 * user's sources for the role they would end with (accessSources) combined with the group's code at the
 * resource — a few lookups per candidate group, not an access computation each.
 */
import {
  type Group,
  LEVEL_LABELS,
  type Level,
  type ResourceType,
  ROLE_LABELS,
  type Role,
  type WorkspaceState,
} from '../model.ts';
import {
  type AccessCode,
  codeLevel,
  combineCodes,
  levelRank,
  NO_ACCESS_CODE,
  roleRank,
} from '../rules/levels.ts';
import { meetsRole } from '../rules/roles.ts';
import { accessIndex, accessSources } from './access-index.ts';
import { type CompiledGroup, compileGroup } from './compiled-groups.ts';
import { compiledAccess } from './compiled-update.ts';
import { accessFor, type ResourceAccess, type UserAccess, type Via } from './user-access.ts';

export interface Suggestion {
  /** A custom group to join, or null for a role change. */
  readonly groupId: string | null;
  readonly groupName: string | null;
  readonly level: Level;
  /** The role the user would get (upgrade needing consent), or null when the role stays. */
  readonly roleChange: Role | null;
  readonly text: string;
}

export interface Explanation {
  readonly resource: { readonly type: ResourceType; readonly id: string; readonly name: string };
  readonly user: { readonly id: string; readonly name: string; readonly role: Role };
  readonly level: Level | null;
  readonly hidden: boolean;
  readonly via: readonly Via[];
  readonly text: readonly string[];
  readonly suggestions: readonly Suggestion[];
}

const MAX_SUGGESTIONS = 5;

function grantText(v: Via, type: ResourceType): string {
  const source = v.groupKind === 'default' ? `the ${v.groupName} role` : `group “${v.groupName}”`;
  const scope =
    v.scope === 'all' ? (type === 'app' ? 'all apps' : 'all data sources') : 'a list that includes it';
  const hidden = v.hideFromDashboard ? ', hidden from the dashboard' : '';
  return `${LEVEL_LABELS[v.level]} via ${source} (permission “${v.grantName}”, ${scope}${hidden})`;
}

/** Why the user has this access, in sentences. */
function reasons(access: UserAccess, a: ResourceAccess, type: ResourceType, entityName: string): string[] {
  const { user } = access;
  const who = user.name || user.email;
  const what = `“${entityName}”`;
  const text: string[] = [];
  if (!access.hasAccess) {
    text.push(`${who} is archived: archived users keep their groups but have no access.`);
    text.push('Restoring the user gives back exactly the access they had.');
  } else if (a.level === null) {
    text.push(`No group of ${who} grants access to ${what}.`);
  } else {
    text.push(`${who} can ${LEVEL_LABELS[a.level]} ${what}:`);
    for (const v of a.via) text.push(grantText(v, type));
    if (a.via.length > 1) text.push('The highest level wins.');
    if (a.hidden)
      text.push('Every permission that grants it hides it from the dashboard: reachable by URL only.');
  }
  for (const g of access.ignoredGroups) {
    text.push(
      `Membership in “${g.name}” is ignored: it is a builder-level group and ${ROLE_LABELS[user.role]}s cannot be in it (the server repairs this).`,
    );
  }
  return text;
}

type Ranked = Suggestion & { readonly rank: number };

/** What a suggestion says: the level the user would really end with, and where it would come from. */
function suggestionText(lead: string, level: Level, roleChange: Role | null, byRole: boolean): string {
  const label = LEVEL_LABELS[level];
  if (!roleChange) return `${lead} would give ${label}`;
  const roleName = ROLE_LABELS[roleChange];
  return byRole
    ? `${lead} would give ${label} (and make them a ${roleName}: the ${roleName} role gives ${label})`
    : `${lead} would give ${label} (and make them a ${roleName})`;
}

/**
 * The user's access on one resource after a change, from compiled codes: per role they could end with,
 * the code of their sources for it — the role's default group and their memberships that meet it (ones
 * ignored for a lower role count once the role is high enough), accessSources' rule — then any group's
 * code on the resource combined in (rules 1–2).
 */
function compiledAfter(
  state: WorkspaceState,
  access: UserAccess,
  resource: { type: ResourceType; id: string },
) {
  const { parts } = compiledAccess(state);
  const { resources } = parts;
  const i = (resource.type === 'app' ? resources.appIndex : resources.dataSourceIndex).get(resource.id);
  const compiled = (g: Group): CompiledGroup => parts.groups.get(g.id) ?? compileGroup(g, resources);
  /** A group's code on the resource. */
  const at = (g: CompiledGroup): AccessCode =>
    i === undefined ? NO_ACCESS_CODE : (resource.type === 'app' ? g.appVector : g.dataSourceVector)[i]!;
  const memberships = [...access.customGroups, ...access.ignoredGroups];
  const bases = new Map<Role, { readonly code: AccessCode; readonly roleCode: AccessCode }>();
  /** The sources' code for `role`, and the role's own (its default group's). */
  const base = (role: Role) => {
    let b = bases.get(role);
    if (!b) {
      const user = role === access.user.role ? access.user : { ...access.user, role };
      const s = accessSources(user, user, parts.defaultGroups, memberships, (g) => compiled(g).need);
      const roleCode = at(parts.defaults[role].group);
      let code = roleCode;
      for (let k = 1; k < s.groups.length; k++) code = combineCodes(code, at(compiled(s.groups[k]!)));
      bases.set(role, (b = { code, roleCode }));
    }
    return b;
  };
  return { compiled, at, base };
}

/**
 * The groups to join and roles to take that would give more than `current`, the smallest change first.
 * Each states the access the user would really end with (the role a group brings included), so a group
 * that upgrades them to Builder says what the Builder role gives too.
 */
function suggestionsFor(
  state: WorkspaceState,
  access: UserAccess,
  resource: { type: ResourceType; id: string },
  current: Level | null,
  groups: boolean,
): Suggestion[] {
  const { user } = access;
  const after = compiledAfter(state, access, resource);
  const out: Ranked[] = [];
  const consider = (join: Group | null, joinCode: AccessCode, role: Role, lead: string, rankBase: number) => {
    const b = after.base(role);
    const level = codeLevel(resource.type, combineCodes(b.code, joinCode));
    if (!level || levelRank(level) <= levelRank(current)) return;
    const roleChange = role !== user.role ? role : null;
    const byRole = codeLevel(resource.type, b.roleCode) === level;
    out.push({
      groupId: join?.id ?? null,
      groupName: join?.name ?? null,
      level,
      roleChange,
      text: suggestionText(lead, level, join ? roleChange : null, byRole),
      rank: rankBase + (roleChange && join ? 10 : 0) + levelRank(level),
    });
  };
  const mine = new Set(access.customGroups.map((g) => g.id));
  for (const g of groups ? accessIndex(state).liveCustomGroups : []) {
    if (mine.has(g.id)) continue;
    const c = after.compiled(g);
    const code = after.at(c);
    // A group that grants nothing on this resource helps only through the role it brings: the role's own
    // suggestion says that more plainly.
    if (code === NO_ACCESS_CODE) continue;
    consider(g, code, meetsRole(user.role, c.need) ? user.role : c.need, `Member of “${g.name}”`, 0);
  }
  for (const role of ['builder', 'admin'] as const)
    if (roleRank(role) > roleRank(user.role))
      consider(null, NO_ACCESS_CODE, role, `Role ${ROLE_LABELS[role]}`, 20 + roleRank(role));
  out.sort((x, y) => x.rank - y.rank || (x.groupName ?? '').localeCompare(y.groupName ?? ''));
  return out.slice(0, MAX_SUGGESTIONS).map(({ rank: _rank, ...s }) => s);
}

export function explain(
  state: WorkspaceState,
  userId: string,
  resource: { type: ResourceType; id: string },
  /**
   * `groupSuggestions: false` for the user's own view: no "Member of …" suggestions (they would name
   * groups the user is not in), and none of their cost (one access computation per custom group).
   */
  options: { readonly groupSuggestions?: boolean } = {},
): Explanation | null {
  const access = accessFor(state, userId);
  const pool = resource.type === 'app' ? state.apps : state.dataSources;
  const entity = pool.get(resource.id);
  if (!access || !entity || entity.deletedAt !== undefined) return null;
  const { user } = access;
  const a = access.resource(resource.type, resource.id);
  return {
    resource: { type: resource.type, id: resource.id, name: entity.name },
    user: { id: user.id, name: user.name, role: user.role },
    level: access.hasAccess ? a.level : null,
    hidden: a.hidden,
    via: a.via,
    text: reasons(access, a, resource.type, entity.name),
    suggestions: access.hasAccess
      ? suggestionsFor(state, access, resource, a.level, options.groupSuggestions ?? true)
      : [],
  };
}
