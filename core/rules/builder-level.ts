/** Rule 3: a group is builder-level if any flag is on, any app grant is Edit, or it has any data-source grant. */
import { FLAGS, type Flags, type Grant, type Group } from '../model.ts';

export function isBuilderLevelGrant(grant: Pick<Grant, 'resourceType' | 'level'>): boolean {
  return grant.resourceType === 'dataSource' || grant.level === 'edit';
}

export function hasAnyFlag(flags: Flags): boolean {
  for (const f of FLAGS) if (flags[f]) return true;
  return false;
}

export function isBuilderLevel(group: Pick<Group, 'flags' | 'grants'>): boolean {
  if (hasAnyFlag(group.flags)) return true;
  for (const g of group.grants.values()) if (g.deletedAt === undefined && isBuilderLevelGrant(g)) return true;
  return false;
}
