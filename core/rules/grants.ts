/** Granular permissions: shape, level per resource type, Hide-from-dashboard, resources and default-group limits. */
import { fail, MESSAGES, ok, type Result } from '../errors.ts';
import type { Grant, Group, WorkspaceState } from '../model.ts';
import { defaultGroupGrantViolation } from './default-groups.ts';
import { validateGrantName } from './names.ts';

/** A grant as an admin describes it: the stored fields without id and times. */
export type GrantDraft = Pick<
  Grant,
  'name' | 'resourceType' | 'scope' | 'resourceIds' | 'level' | 'hideFromDashboard'
>;

export const MAX_GRANT_RESOURCES = 10_000;

/** Checks a grant for a group; returns the normalized draft (trimmed name, unique sorted resource ids). */
export function validateGrant(
  state: WorkspaceState,
  group: Group,
  draft: GrantDraft,
  exceptGrantId?: string,
): Result<GrantDraft> {
  if (group.kind === 'default' && group.role) {
    const violation = defaultGroupGrantViolation(group.role, draft);
    if (violation === 'admin-group-not-editable') return fail(violation, MESSAGES.adminNotEditable);
    if (violation === 'end-user-view-only') return fail(violation, MESSAGES.endUserViewOnly);
    if (violation === 'builder-group-scope-all-only')
      return fail(violation, 'Builder permissions may only apply to all apps or all data sources');
  }
  const name = validateGrantName(group, draft.name, exceptGrantId);
  if (!name.ok) return name;
  const appLevel = draft.level === 'edit' || draft.level === 'view';
  if ((draft.resourceType === 'app') !== appLevel)
    return fail(
      'grant-invalid-level',
      draft.resourceType === 'app' ? 'Apps take Edit or View' : 'Data sources take Configure or Build with',
    );
  if (draft.hideFromDashboard && draft.level !== 'view')
    return fail('grant-hide-needs-view', 'Hide from dashboard is only available with View');
  let resourceIds: string[] = [];
  if (draft.scope === 'custom') {
    resourceIds = [...new Set(draft.resourceIds)].sort();
    const required =
      draft.resourceType === 'app' ? MESSAGES.grantResourcesRequired : MESSAGES.grantDataSourcesRequired;
    if (resourceIds.length === 0) return fail('grant-resources-required', required);
    if (resourceIds.length > MAX_GRANT_RESOURCES)
      return fail('invalid-input', `A permission can list at most ${MAX_GRANT_RESOURCES} resources`);
    const pool: ReadonlyMap<string, { deletedAt?: number | undefined }> =
      draft.resourceType === 'app' ? state.apps : state.dataSources;
    const missing = resourceIds.filter((id) => pool.get(id)?.deletedAt !== undefined || !pool.has(id));
    if (missing.length > 0)
      return fail('not-found', `${draft.resourceType === 'app' ? 'App' : 'Data source'} not found`, {
        missing,
      });
  }
  return ok({ ...draft, name: name.value, resourceIds });
}

export function grantToDraft(grant: Grant): GrantDraft {
  const { name, resourceType, scope, resourceIds, level, hideFromDashboard } = grant;
  return { name, resourceType, scope, resourceIds, level, hideFromDashboard };
}
