/**
 * The baseline: the same app decisions made the way ToolJet does with `@casl/ability` 7. ToolJet's ability
 * service ORs the user's groups into `UserAppsPermissions` (isAllEditable, editableAppsId, isAllViewable,
 * viewableAppsId); its app ability factory then adds rules: admins may do everything, "all" grants give a
 * rule without conditions, custom grants a rule with `{ id: { $in: [...] } }` (server/src/modules/apps/
 * ability/app.ability.ts). A decision is `can('edit', app)`, else `can('view', app)`.
 *
 * Written independently of core's access code (it reads the plain state only), so it also checks it.
 */
import {
  AbilityBuilder,
  createMongoAbility,
  type ForcedSubject,
  type MongoAbility,
  subject,
} from '@casl/ability';
import type { Group, User, WorkspaceState } from '../core/index.ts';

type AppAction = 'edit' | 'view';
export type AppSubject = ForcedSubject<'App'> & { readonly id: string };
export type AppAbility = MongoAbility<[AppAction, 'App' | AppSubject]>;

/** 0 none, 1 View, 2 Edit: the decision both engines are compared on. */
export type Decision = 0 | 1 | 2;

/** ToolJet's `UserAppsPermissions`, the OR of the user's groups. */
export interface UserAppsPermissions {
  isAllEditable: boolean;
  isAllViewable: boolean;
  editableAppsId: string[];
  viewableAppsId: string[];
}

/** What ToolJet loads from its database per request: the user and the groups they are in. */
export interface CaslInput {
  readonly user: User;
  readonly groups: readonly Group[];
}

/** Memberships from the plain state (the role's default group first), like ToolJet's group query. */
export function caslInputs(state: WorkspaceState, userIds: readonly string[]): CaslInput[] {
  const defaults = new Map<string, Group>();
  const custom = new Map<string, Group[]>();
  for (const g of state.groups.values()) {
    if (g.deletedAt !== undefined) continue;
    if (g.kind === 'default' && g.role) defaults.set(g.role, g);
    else
      for (const userId of g.members) {
        const list = custom.get(userId);
        if (list) list.push(g);
        else custom.set(userId, [g]);
      }
  }
  return userIds.map((id) => {
    const user = state.users.get(id);
    if (!user) throw new Error(`no user ${id}`);
    const own = defaults.get(user.role);
    return { user, groups: [...(own ? [own] : []), ...(custom.get(id) ?? [])] };
  });
}

export function appsPermissions(groups: readonly Group[]): UserAppsPermissions {
  const p: UserAppsPermissions = {
    isAllEditable: false,
    isAllViewable: false,
    editableAppsId: [],
    viewableAppsId: [],
  };
  const editable = new Set<string>();
  const viewable = new Set<string>();
  for (const g of groups)
    for (const grant of g.grants.values()) {
      if (grant.deletedAt !== undefined || grant.resourceType !== 'app') continue;
      const edit = grant.level === 'edit';
      if (grant.scope === 'all') {
        if (edit) p.isAllEditable = true;
        else p.isAllViewable = true;
      } else for (const id of grant.resourceIds) (edit ? editable : viewable).add(id);
    }
  p.editableAppsId = [...editable];
  p.viewableAppsId = [...viewable];
  return p;
}

/** One user's ability, built like ToolJet's app ability factory. Archived users get no rules. */
export function buildAbility(input: CaslInput): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  const { user, groups } = input;
  if (user.status === 'archived') return build();
  if (user.role === 'admin') {
    can(['edit', 'view'], 'App');
    return build();
  }
  const p = appsPermissions(groups);
  if (p.isAllEditable) can(['edit', 'view'], 'App');
  else if (p.editableAppsId.length > 0) can(['edit', 'view'], 'App', { id: { $in: p.editableAppsId } });
  if (p.isAllViewable) can('view', 'App');
  else if (p.viewableAppsId.length > 0) can('view', 'App', { id: { $in: p.viewableAppsId } });
  return build();
}

/** The app records ToolJet checks against (plain objects, as loaded from its database). */
export function appRecords(appIds: readonly string[]): { id: string }[] {
  return appIds.map((id) => ({ id }));
}

export function decide(ability: AppAbility, app: { id: string }): Decision {
  const s = subject('App', app);
  if (ability.can('edit', s)) return 2;
  return ability.can('view', s) ? 1 : 0;
}
