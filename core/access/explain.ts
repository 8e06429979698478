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
import { levelRank, roleRank } from '../rules/levels.ts';
import { upgradedRole } from '../rules/roles.ts';
import { accessIndex } from './access-index.ts';
import { accessFor, type Via } from './user-access.ts';

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

/** The best level a group's grants give on one resource, or null. */
function groupLevel(group: Group, type: ResourceType, id: string): Level | null {
  let best: Level | null = null;
  for (const g of group.grants.values()) {
    if (g.deletedAt !== undefined || g.resourceType !== type) continue;
    if (g.scope === 'custom' && !g.resourceIds.includes(id)) continue;
    if (levelRank(g.level) > levelRank(best)) best = g.level;
  }
  return best;
}

export function explain(
  state: WorkspaceState,
  userId: string,
  resource: { type: ResourceType; id: string },
): Explanation | null {
  const access = accessFor(state, userId);
  const pool = resource.type === 'app' ? state.apps : state.dataSources;
  const entity = pool.get(resource.id);
  if (!access || !entity || entity.deletedAt !== undefined) return null;
  const { user } = access;
  const a = access.resource(resource.type, resource.id);
  const what = `“${entity.name}”`;
  const text: string[] = [];
  if (!access.hasAccess) {
    text.push(`${user.name || user.email} is archived: archived users keep their groups but have no access.`);
    text.push('Restoring the user gives back exactly the access they had.');
  } else if (a.level === null) {
    text.push(`No group of ${user.name || user.email} grants access to ${what}.`);
  } else {
    text.push(`${user.name || user.email} can ${LEVEL_LABELS[a.level]} ${what}:`);
    for (const v of a.via) text.push(grantText(v, resource.type));
    if (a.via.length > 1) text.push('The highest level wins.');
    if (a.hidden)
      text.push('Every permission that grants it hides it from the dashboard: reachable by URL only.');
  }
  for (const g of access.ignoredGroups) {
    text.push(
      `Membership in “${g.name}” is ignored: it is a builder-level group and ${ROLE_LABELS[user.role]}s cannot be in it (the server repairs this).`,
    );
  }

  const suggestions: (Suggestion & { rank: number })[] = [];
  if (access.hasAccess) {
    const current = levelRank(a.level);
    const index = accessIndex(state);
    const mine = new Set(access.customGroups.map((g) => g.id));
    for (const g of index.liveCustomGroups) {
      if (mine.has(g.id)) continue;
      const level = groupLevel(g, resource.type, resource.id);
      if (!level || levelRank(level) <= current) continue;
      const upgraded = upgradedRole(user.role, [g]);
      const roleChange = upgraded !== user.role ? upgraded : null;
      const upgrade = roleChange ? ` (and make them a ${ROLE_LABELS[roleChange]})` : '';
      suggestions.push({
        groupId: g.id,
        groupName: g.name,
        level,
        roleChange,
        text: `Member of “${g.name}” would give ${LEVEL_LABELS[level]}${upgrade}`,
        rank: (roleChange ? 10 : 0) + levelRank(level),
      });
    }
    for (const role of ['builder', 'admin'] as const) {
      if (roleRank(role) <= roleRank(user.role)) continue;
      const level = groupLevel(index.defaultGroups[role], resource.type, resource.id);
      if (!level || levelRank(level) <= current) continue;
      suggestions.push({
        groupId: null,
        groupName: null,
        level,
        roleChange: role,
        text: `Role ${ROLE_LABELS[role]} would give ${LEVEL_LABELS[level]}`,
        rank: 20 + roleRank(role) + levelRank(level),
      });
    }
  }
  suggestions.sort((x, y) => x.rank - y.rank || (x.groupName ?? '').localeCompare(y.groupName ?? ''));
  return {
    resource: { type: resource.type, id: resource.id, name: entity.name },
    user: { id: user.id, name: user.name, role: user.role },
    level: access.hasAccess ? a.level : null,
    hidden: a.hidden,
    via: a.via,
    text,
    suggestions: suggestions.slice(0, MAX_SUGGESTIONS).map(({ rank: _rank, ...s }) => s),
  };
}
