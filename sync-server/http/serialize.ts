/** Model → JSON for the REST API: sets and maps become arrays, tombstoned children are left out. */
import {
  type App,
  type Conflict,
  type DataSource,
  defaultGroupMembers,
  type Grant,
  type Group,
  liveGrants,
  membershipEnd,
  type User,
  type WorkspaceState,
} from '../../core/index.ts';

export const grantJson = (g: Grant) => ({
  id: g.id,
  name: g.name,
  resourceType: g.resourceType,
  scope: g.scope,
  resourceIds: g.resourceIds,
  level: g.level,
  hideFromDashboard: g.hideFromDashboard,
  createdAt: g.createdAt,
});

export function groupJson(state: WorkspaceState, g: Group) {
  const members =
    g.kind === 'default'
      ? defaultGroupMembers(state, g.role ?? 'end-user').map((u) => u.id)
      : [...g.members].filter((id) => state.users.has(id));
  // Live: as of when the server read the group (its clock decides); the end is the latest expiry of all.
  const memberships = [...g.memberships]
    .filter(([userId]) => g.kind === 'custom' && state.users.has(userId))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([userId, held]) => ({
      userId,
      live: g.members.has(userId),
      expiresAt: membershipEnd(held) ?? null,
      sources: held.map((x) => ({ source: x.source, expiresAt: x.expiresAt ?? null })),
    }));
  return {
    id: g.id,
    name: g.name,
    kind: g.kind,
    role: g.role ?? null,
    flags: g.flags,
    members,
    memberships,
    grants: liveGrants(g).map(grantJson),
    createdAt: g.createdAt,
  };
}

export const userJson = (u: User) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  status: u.status,
  createdAt: u.createdAt,
});

export const appJson = (a: App) => ({
  id: a.id,
  name: a.name,
  slug: a.slug,
  urlPatterns: a.urlPatterns,
  forwardAuthLevel: a.forwardAuthLevel ?? null,
  createdAt: a.createdAt,
});

export const dataSourceJson = (d: DataSource) => ({
  id: d.id,
  name: d.name,
  kind: d.kind,
  createdAt: d.createdAt,
});

export const conflictJson = (c: Conflict) => ({
  id: c.id,
  code: c.code,
  message: c.message,
  entities: c.entities,
  edits: c.edits,
  repair: c.repair,
  createdAt: c.createdAt,
  resolvedAt: c.resolvedAt ?? null,
});
