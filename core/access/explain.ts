/**
 * Why a user has a level on a resource, or why not, and the smallest changes that would grant more
 * ("member of HR would give View"). Peers answer "403"; Gatehouse answers with reasons and a way forward.
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
import { accessCode, codeLevel, combineCodes, levelRank, NO_ACCESS_CODE, roleRank } from '../rules/levels.ts';
import { upgradedRole } from '../rules/roles.ts';
import { accessIndex, accessSources } from './access-index.ts';
import { accessFor, type ResourceAccess, UserAccess, type Via } from './user-access.ts';

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

/** The level a group's grants give on one resource (rule 1 over them), or null. */
function groupLevel(group: Group, type: ResourceType, id: string): Level | null {
  let code = NO_ACCESS_CODE;
  for (const g of group.grants.values()) {
    if (g.deletedAt !== undefined || g.resourceType !== type) continue;
    if (g.scope === 'custom' && !g.resourceIds.includes(id)) continue;
    code = combineCodes(code, accessCode(g.level, g.hideFromDashboard));
  }
  return codeLevel(type, code);
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

/**
 * The user's access after joining `join` (or none) with role `role`: the same sources as accessFor — their
 * memberships (ones ignored for a lower role count once the role is high enough), the role's default group.
 */
function accessAfter(state: WorkspaceState, access: UserAccess, join: Group | null, role: Role): UserAccess {
  const index = accessIndex(state);
  const user = role === access.user.role ? access.user : { ...access.user, role };
  const memberships = [...access.customGroups, ...access.ignoredGroups];
  if (join) memberships.push(join);
  const s = accessSources(user, user, index.defaultGroups, memberships);
  return new UserAccess(s.user, s.groups, s.ignored);
}

/** What a suggestion says: the level the user would really end with, and where it would come from. */
function suggestionText(lead: string, after: ResourceAccess, roleChange: Role | null): string {
  const level = after.level ? LEVEL_LABELS[after.level] : '';
  if (!roleChange) return `${lead} would give ${level}`;
  const roleName = ROLE_LABELS[roleChange];
  const byRole = after.via.some((v) => v.groupKind === 'default' && v.level === after.level);
  return byRole
    ? `${lead} would give ${level} (and make them a ${roleName}: the ${roleName} role gives ${level})`
    : `${lead} would give ${level} (and make them a ${roleName})`;
}

/**
 * The groups to join and roles to take that would give more than `current`, the smallest change first.
 * Each states the access the user would really end with: computed from their sources after the change,
 * so a group that upgrades them to Builder says what the Builder role gives too.
 */
function suggestionsFor(
  state: WorkspaceState,
  access: UserAccess,
  resource: { type: ResourceType; id: string },
  current: Level | null,
  groups: boolean,
): Suggestion[] {
  const { user } = access;
  const index = accessIndex(state);
  const mine = new Set(access.customGroups.map((g) => g.id));
  const gives = (g: Group) => groupLevel(g, resource.type, resource.id) !== null;
  const out: Ranked[] = [];
  const consider = (join: Group | null, role: Role, lead: string, rankBase: number) => {
    const after = accessAfter(state, access, join, role).resource(resource.type, resource.id);
    const level = after.level;
    if (!level || levelRank(level) <= levelRank(current)) return;
    const roleChange = role !== user.role ? role : null;
    out.push({
      groupId: join?.id ?? null,
      groupName: join?.name ?? null,
      level,
      roleChange,
      text: suggestionText(lead, after, join ? roleChange : null),
      rank: rankBase + (roleChange && join ? 10 : 0) + levelRank(level),
    });
  };
  for (const g of groups ? index.liveCustomGroups : []) {
    // A group that grants nothing on this resource helps only through the role it brings: the role's own
    // suggestion says that more plainly.
    if (mine.has(g.id) || !gives(g)) continue;
    consider(g, upgradedRole(user.role, [g]), `Member of “${g.name}”`, 0);
  }
  for (const role of ['builder', 'admin'] as const)
    if (roleRank(role) > roleRank(user.role))
      consider(null, role, `Role ${ROLE_LABELS[role]}`, 20 + roleRank(role));
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
