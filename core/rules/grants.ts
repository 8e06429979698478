/** Granular permissions: shape, level per resource type, Hide-from-dashboard, resources and default-group limits. */
import { fail, MESSAGES, ok, type Result } from '../errors.ts';
import type { Grant, Group, WorkspaceState } from '../model.ts';
import { DEFAULT_GROUP_MESSAGES, defaultGroupGrantViolation } from './default-groups.ts';
import { MAX_GRANT_RESOURCES } from './limits.ts';
import { validateGrantName } from './names.ts';

/** A grant as an admin describes it: the stored fields without id and times. */
export type GrantDraft = Pick<
  Grant,
  'name' | 'resourceType' | 'scope' | 'resourceIds' | 'level' | 'hideFromDashboard'
>;

/** Checks a grant for a group; returns the normalized draft (trimmed name, unique sorted resource ids). */
export function validateGrant(
  state: WorkspaceState,
  group: Group,
  draft: GrantDraft,
  exceptGrantId?: string,
): Result<GrantDraft> {
  if (group.kind === 'default' && group.role) {
    const violation = defaultGroupGrantViolation(group.role, draft);
    if (violation === 'admin-group-not-editable')
      return fail(violation, DEFAULT_GROUP_MESSAGES.adminNotEditable);
    if (violation === 'end-user-view-only') return fail(violation, DEFAULT_GROUP_MESSAGES.endUserViewOnly);
    if (violation === 'builder-group-scope-all-only')
      return fail(violation, DEFAULT_GROUP_MESSAGES.builderScopeAll);
  }
  const name = validateGrantName(group, draft.name, exceptGrantId);
  if (!name.ok) return name;
  const resourceIds = draft.scope === 'custom' ? [...new Set(draft.resourceIds)].sort() : [];
  const normalized = { ...draft, name: name.value, resourceIds };
  const shape = checkGrantShape(state, normalized);
  return shape.ok ? ok(normalized) : shape;
}

/**
 * The shape of a permission: a level of its resource type, Hide from dashboard only with View, and for a
 * custom list, 1–10,000 live resources of its type. With `state` null only what no merge can break is
 * checked (the list's resources may have been deleted meanwhile; repair removes them).
 */
export function checkGrantShape(
  state: WorkspaceState | null,
  draft: Pick<GrantDraft, 'resourceType' | 'scope' | 'resourceIds' | 'level' | 'hideFromDashboard'>,
): Result<true> {
  const appLevel = draft.level === 'edit' || draft.level === 'view';
  if ((draft.resourceType === 'app') !== appLevel)
    return fail(
      'grant-invalid-level',
      draft.resourceType === 'app' ? 'Apps take Edit or View' : 'Data sources take Configure or Build with',
    );
  if (draft.hideFromDashboard && draft.level !== 'view')
    return fail('grant-hide-needs-view', 'Hide from dashboard is only available with View');
  if (draft.scope !== 'custom')
    return state !== null && draft.resourceIds.length > 0
      ? fail(
          'invalid-input',
          'A permission for all resources lists none (clear the list when changing the scope)',
        )
      : ok(true);
  if (draft.resourceIds.length > MAX_GRANT_RESOURCES)
    return fail('invalid-input', `A permission can list at most ${MAX_GRANT_RESOURCES} resources`);
  if (state === null) return ok(true);
  const required =
    draft.resourceType === 'app' ? MESSAGES.grantResourcesRequired : MESSAGES.grantDataSourcesRequired;
  if (draft.resourceIds.length === 0) return fail('grant-resources-required', required);
  const pool: ReadonlyMap<string, { deletedAt?: number | undefined }> =
    draft.resourceType === 'app' ? state.apps : state.dataSources;
  const missing = draft.resourceIds.filter((id) => pool.get(id)?.deletedAt !== undefined || !pool.has(id));
  if (missing.length > 0)
    return fail('not-found', `${draft.resourceType === 'app' ? 'App' : 'Data source'} not found`, {
      missing,
    });
  return ok(true);
}

export function grantToDraft(grant: Grant): GrantDraft {
  const { name, resourceType, scope, resourceIds, level, hideFromDashboard } = grant;
  return { name, resourceType, scope, resourceIds, level, hideFromDashboard };
}
