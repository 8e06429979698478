/**
 * Core's suggestions ("Member of “HR” would give View", read from the compiled access since issue 14's
 * bench) against the truth: for users and resources of a generated workspace, every change that would
 * give more is found by making it — the user added to the group (with the role it brings), or given the
 * role — and reading accessFor on the changed state. The suggestions must be exactly the five smallest of
 * those changes, each with the level it really gives.
 */
import { describe, expect, it } from 'vitest';
import { generateWorkspace } from '../../bench/generate-workspace.ts';
import {
  accessFor,
  explain,
  type Group,
  type Level,
  type ResourceType,
  type Role,
  readState,
  type WorkspaceState,
} from '../../core/index.ts';
import { levelRank, roleRank } from '../../core/rules/levels.ts';
import { upgradedRole } from '../../core/rules/roles.ts';

const state = readState(
  generateWorkspace({ users: 400, groups: 80, apps: 120, dataSources: 30, membersPerGroup: 20, seed: 11 })
    .doc,
);

/** The state with the user in `join` (if any) and holding `role`: the change made, not predicted. */
function changed(s: WorkspaceState, userId: string, join: Group | null, role: Role): WorkspaceState {
  const users = new Map(s.users).set(userId, { ...s.users.get(userId)!, role });
  const groups = new Map(s.groups);
  if (join) groups.set(join.id, { ...join, members: new Set([...join.members, userId]) });
  return { ...s, version: s.version + 1, users, groups };
}

const grantsOn = (g: Group, type: ResourceType, id: string) =>
  [...g.grants.values()].some(
    (x) =>
      x.deletedAt === undefined &&
      x.resourceType === type &&
      (x.scope === 'all' || x.resourceIds.includes(id)),
  );

interface Expected {
  groupId: string | null;
  level: Level;
  roleChange: Role | null;
  rank: number;
  name: string;
}

function truth(userId: string, resource: { type: ResourceType; id: string }): Expected[] {
  const access = accessFor(state, userId)!;
  const user = access.user;
  const current = access.resource(resource.type, resource.id).level;
  const out: Expected[] = [];
  const consider = (join: Group | null, role: Role, rankBase: number) => {
    const level = accessFor(changed(state, userId, join, role), userId)!.resource(
      resource.type,
      resource.id,
    ).level;
    if (!level || levelRank(level) <= levelRank(current)) return;
    const roleChange = role === user.role ? null : role;
    out.push({
      groupId: join?.id ?? null,
      level,
      roleChange,
      rank: rankBase + (roleChange && join ? 10 : 0) + levelRank(level),
      name: join?.name ?? '',
    });
  };
  const mine = new Set(access.customGroups.map((g) => g.id));
  for (const g of state.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined || mine.has(g.id)) continue;
    if (grantsOn(g, resource.type, resource.id)) consider(g, upgradedRole(user.role, [g]), 0);
  }
  for (const role of ['builder', 'admin'] as const)
    if (roleRank(role) > roleRank(user.role)) consider(null, role, 20 + roleRank(role));
  out.sort((x, y) => x.rank - y.rank || x.name.localeCompare(y.name));
  return out.slice(0, 5);
}

describe('explain: suggestions', () => {
  const users = [...state.users.values()].filter((u) => u.status === 'active');
  const apps = [...state.apps.keys()];
  const dataSources = [...state.dataSources.keys()];
  const cases = Array.from({ length: 60 }, (_, i) => ({
    userId: users[(i * 37) % users.length]!.id,
    resource:
      i % 4 === 3
        ? { type: 'dataSource' as const, id: dataSources[(i * 11) % dataSources.length]! }
        : { type: 'app' as const, id: apps[(i * 53) % apps.length]! },
  }));

  it('are exactly the five smallest changes that give more, each with the level it really gives', () => {
    let suggested = 0;
    let upgrades = 0;
    for (const { userId, resource } of cases) {
      const ex = explain(state, userId, resource)!;
      const got = ex.suggestions.map((s) => ({
        groupId: s.groupId,
        level: s.level,
        roleChange: s.roleChange,
      }));
      const want = truth(userId, resource).map(({ groupId, level, roleChange }) => ({
        groupId,
        level,
        roleChange,
      }));
      expect(got, `${userId} on ${resource.type} ${resource.id}`).toEqual(want);
      suggested += got.length;
      upgrades += got.filter((s) => s.groupId && s.roleChange).length;
    }
    // The cases exercise both kinds: groups that keep the role, and groups that bring a higher one.
    expect(suggested).toBeGreaterThan(60);
    expect(upgrades).toBeGreaterThan(0);
  });

  it('say what the role gives when the group that brings it grants less than the role does', () => {
    for (const { userId, resource } of cases)
      for (const s of explain(state, userId, resource)!.suggestions) {
        if (!s.groupId || !s.roleChange) continue;
        const roleOnly = accessFor(changed(state, userId, null, s.roleChange), userId)!.resource(
          resource.type,
          resource.id,
        );
        const byRole = roleOnly.level === s.level;
        expect(
          s.text.includes(`the ${s.roleChange === 'admin' ? 'Admin' : 'Builder'} role gives`),
          s.text,
        ).toBe(byRole);
      }
  });
});
