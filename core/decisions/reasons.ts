/**
 * What a decision's `context` says, from core's own explanations: for a yes, the grant path (which group,
 * which permission, which level) from accessFor; for a no, explain.ts's sentences and the smallest
 * changes that would grant the action (a group to join, a role), filtered to those that reach it.
 */
import { accessIndex } from '../access/access-index.ts';
import { explain } from '../access/explain.ts';
import { accessFor, type Via } from '../access/user-access.ts';
import {
  FLAG_LABELS,
  type Flag,
  type Group,
  LEVEL_LABELS,
  ROLE_LABELS,
  type Role,
  type WorkspaceState,
} from '../model.ts';
import { levelRank, roleRank } from '../rules/levels.ts';
import { upgradedRole } from '../rules/roles.ts';
import type { DecisionContext, Resolved } from './types.ts';

export interface GrantPath {
  readonly group: { readonly id: string; readonly name: string; readonly kind: 'default' | 'custom' };
  readonly permission: { readonly id: string; readonly name: string };
  readonly level: string;
  readonly scope: 'all' | 'custom';
  readonly hidden_from_dashboard: boolean;
}

export interface DecisionSuggestion {
  readonly text: string;
  readonly group: { readonly id: string; readonly name: string } | null;
  readonly role_change: Role | null;
}

const pathOf = (v: Via): GrantPath => ({
  group: { id: v.groupId, name: v.groupName, kind: v.groupKind },
  permission: { id: v.grantId, name: v.grantName },
  level: v.level,
  scope: v.scope,
  hidden_from_dashboard: v.hideFromDashboard,
});

const text = (en: string) => ({ en });

export function grantedContext(state: WorkspaceState, r: Resolved): DecisionContext {
  const access = accessFor(state, r.user.id)!;
  const who = r.user.name || r.user.email;
  const { rule } = r;
  if (rule.kind === 'flag') {
    const groups = access.flagVia[rule.flag] ?? [];
    const en = `${who} may ${FLAG_LABELS[rule.flag]} via ${groups.map((g) => `“${g}”`).join(', ')}`;
    return { reason: 'granted', reason_admin: text(en), reason_user: text(en), groups };
  }
  const a = access.resource(rule.type, r.resourceId!);
  const level = a.level!;
  const via = a.via.filter((v) => levelRank(v.level) >= rule.rank);
  const en = `${who} can ${LEVEL_LABELS[level]} “${r.resourceName}” via ${via
    .map(
      (v) =>
        `${v.groupKind === 'default' ? `the ${v.groupName} role` : `“${v.groupName}”`} (permission “${v.grantName}”)`,
    )
    .join(', ')}`;
  return {
    reason: 'granted',
    reason_admin: text(en),
    reason_user: text(en),
    level,
    hidden_from_dashboard: a.hidden,
    via: via.map(pathOf),
  };
}

export function refusedContext(state: WorkspaceState, r: Resolved, groupSuggestions = true): DecisionContext {
  const { rule } = r;
  if (rule.kind === 'flag') return refusedFlag(state, r, rule.flag, groupSuggestions);
  const ex = explain(state, r.user.id, { type: rule.type, id: r.resourceId! }, { groupSuggestions })!;
  const archived = ex.level === null && !accessFor(state, r.user.id)!.hasAccess;
  const suggestions: DecisionSuggestion[] = ex.suggestions
    .filter((s) => levelRank(s.level) >= rule.rank)
    .map((s) => ({
      text: s.text,
      group: s.groupId ? { id: s.groupId, name: s.groupName ?? '' } : null,
      role_change: s.roleChange,
    }));
  const en = ex.text.join(' ');
  return {
    reason: archived ? 'archived' : 'not-granted',
    reason_admin: text(en),
    reason_user: text(en),
    level: ex.level,
    needs: rule.level,
    suggestions,
  };
}

/** A flag's no: who turns it on, and the smallest change (a group with it, or a role whose default has it). */
function refusedFlag(
  state: WorkspaceState,
  r: Resolved,
  flag: Flag,
  groupSuggestions: boolean,
): DecisionContext {
  const access = accessFor(state, r.user.id)!;
  const who = r.user.name || r.user.email;
  const label = FLAG_LABELS[flag];
  if (!access.hasAccess) {
    const en = `${who} is archived: archived users keep their groups but have no access.`;
    return { reason: 'archived', reason_admin: text(en), reason_user: text(en), suggestions: [] };
  }
  const index = accessIndex(state);
  const mine = new Set(access.customGroups.map((g) => g.id));
  const out: (DecisionSuggestion & { rank: number })[] = [];
  const withRole = (role: Role, lead: string) =>
    role === r.user.role
      ? `${lead} would give “${label}”`
      : `${lead} would give “${label}” (and make them a ${ROLE_LABELS[role]})`;
  for (const g of groupSuggestions ? (index.liveCustomGroups as readonly Group[]) : []) {
    if (mine.has(g.id) || !g.flags[flag]) continue;
    const role = upgradedRole(r.user.role, [g]);
    out.push({
      text: withRole(role, `Member of “${g.name}”`),
      group: { id: g.id, name: g.name },
      role_change: role === r.user.role ? null : role,
      rank: role === r.user.role ? 0 : 10,
    });
  }
  for (const role of ['builder', 'admin'] as const)
    if (roleRank(role) > roleRank(r.user.role) && index.defaultGroups[role].flags[flag])
      out.push({
        text: `Role ${ROLE_LABELS[role]} would give “${label}”`,
        group: null,
        role_change: role,
        rank: 20 + roleRank(role),
      });
  out.sort((x, y) => x.rank - y.rank || (x.group?.name ?? '').localeCompare(y.group?.name ?? ''));
  const en = `${who} may not ${label}: no group of theirs turns it on.`;
  return {
    reason: 'not-granted',
    reason_admin: text(en),
    reason_user: text(en),
    suggestions: out.slice(0, 5).map(({ rank: _rank, ...s }) => s),
  };
}
