/**
 * Everything a workspace's access says, as rows: per active user and live resource the level core gives
 * (`accessFor`), hidden or not, and through which groups — the access map history compares and the
 * access-review export lists.
 */
import { accessFor } from '../access/user-access.ts';
import { type Level, RESOURCE_TYPES, type ResourceType, type WorkspaceState } from '../model.ts';

export interface AccessRow {
  readonly userId: string;
  readonly email: string;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
  readonly resourceName: string;
  readonly level: Level;
  readonly hidden: boolean;
  /** The groups whose grants give the level (default group first). */
  readonly via: readonly string[];
}

/** The key of one user × resource pair. */
export const accessKey = (userId: string, type: ResourceType, resourceId: string): string =>
  `${userId}\u0000${type}\u0000${resourceId}`;

/** Every user × live resource with some access, in user then resource order. */
export function accessRows(state: WorkspaceState, userIds?: Iterable<string>): AccessRow[] {
  const rows: AccessRow[] = [];
  for (const userId of userIds ?? state.users.keys()) {
    const a = accessFor(state, userId);
    if (!a?.hasAccess) continue;
    for (const type of RESOURCE_TYPES) {
      const pool = type === 'app' ? state.apps : state.dataSources;
      for (const r of pool.values()) {
        if (r.deletedAt !== undefined) continue;
        const level = a.level(type, r.id);
        if (level === null) continue;
        const ra = a.resource(type, r.id);
        rows.push({
          userId,
          email: a.user.email,
          resourceType: type,
          resourceId: r.id,
          resourceName: r.name,
          level,
          hidden: ra.hidden,
          via: [...new Set(ra.via.map((v) => v.groupName))],
        });
      }
    }
  }
  return rows;
}

/** The access map: key → level (and hidden), for comparing two moments. */
export function accessMap(state: WorkspaceState): Map<string, { level: Level; hidden: boolean }> {
  const map = new Map<string, { level: Level; hidden: boolean }>();
  for (const r of accessRows(state))
    map.set(accessKey(r.userId, r.resourceType, r.resourceId), { level: r.level, hidden: r.hidden });
  return map;
}
