/**
 * What changed in access between two moments (issue 15), computed with core's impact machinery from the
 * two states: what differs between them is the "touched" set of an impact, resource deletions are its
 * ops, and the compact '*' rows ("every other app") are expanded to the resources they stand for.
 */
import { accessFor } from '../access/user-access.ts';
import type { AccessChange, Impact } from '../impact/compute-impact.ts';
import { impactBetween } from '../impact/compute-impact.ts';
import type { Touched } from '../impact/impact-diff.ts';
import type { ResourceType, WorkspaceState } from '../model.ts';
import type { Op } from '../ops.ts';
import { accessKey, accessRows } from './access-map.ts';
import { sameAccessBetween } from './same-access.ts';
import { sameValue } from './same-value.ts';

/** One user's level on one resource, before and after (null: no access): an impact row without '*'. */
export type AccessDelta = Omit<AccessChange, 'exceptIds'>;

export interface AccessBetween {
  readonly impact: Impact;
  /** The access rows, one per user and resource ('*' expanded). */
  readonly changes: readonly AccessDelta[];
}

/** The users and groups that differ between the two states, and the default roles whose group does. */
function differences(before: WorkspaceState, after: WorkspaceState): Touched {
  const t: Touched = { users: new Set(), groups: new Set(), defaultRoles: new Set() };
  for (const [id, u] of after.users) if (!sameValue(u, before.users.get(id))) t.users.add(id);
  for (const id of new Set([...before.groups.keys(), ...after.groups.keys()])) {
    const g0 = before.groups.get(id);
    const g1 = after.groups.get(id);
    if (sameValue(g0, g1)) continue;
    t.groups.add(id);
    const role = (g1 ?? g0)?.role;
    if (role) t.defaultRoles.add(role);
  }
  return t;
}

/** Resource deletions between the two moments, as the ops the impact reads them from. */
function deletions(before: WorkspaceState, after: WorkspaceState): Op[] {
  const ops: Op[] = [];
  for (const collection of ['apps', 'dataSources'] as const)
    for (const [id, r] of before[collection]) {
      if (r.deletedAt !== undefined) continue;
      const gone = after[collection].get(id);
      // Missing altogether: the second moment is the earlier one, before the resource existed.
      if (!gone || gone.deletedAt !== undefined)
        ops.push({ type: 'entity.set', collection, id, fields: { deletedAt: gone?.deletedAt ?? 0 } });
    }
  return ops;
}

/** The '*' row of one user, expanded: every live resource of its type it does not name or except. */
function expandStar(after: WorkspaceState, star: AccessChange, named: ReadonlySet<string>): AccessDelta[] {
  const pool = star.resourceType === 'app' ? after.apps : after.dataSources;
  const except = new Set(star.exceptIds ?? []);
  const out: AccessDelta[] = [];
  for (const r of pool.values()) {
    if (r.deletedAt !== undefined || except.has(r.id) || named.has(r.id)) continue;
    out.push({ ...withoutExcept(star), resourceId: r.id, resourceName: r.name });
  }
  return out;
}

function withoutExcept(c: AccessChange): AccessDelta {
  const { exceptIds: _, ...rest } = c;
  return rest;
}

/**
 * Access gained and lost between `before` and `after`, per user and resource. By default users whose
 * compiled codes match at both moments are not diffed, nor anyone once the rows are cut (the impact's
 * `usersAffected` then stops at the cut); `'every-user'` diffs every affected user resource by resource
 * (the reference the shortcuts are tested against).
 */
export function accessBetween(
  before: WorkspaceState,
  after: WorkspaceState,
  compare: 'compiled' | 'every-user' = 'compiled',
): AccessBetween {
  const shortcuts =
    compare === 'compiled' ? { sameAccess: sameAccessBetween(before, after), rowsOnly: true } : {};
  const ops = deletions(before, after);
  const impact = impactBetween(before, after, ops, differences(before, after), false, shortcuts);
  const named = new Map<string, Set<string>>();
  for (const c of impact.accessChanges)
    if (c.resourceId !== '*') {
      const key = `${c.userId}\u0000${c.resourceType}`;
      let set = named.get(key);
      if (!set) named.set(key, (set = new Set()));
      set.add(c.resourceId);
    }
  const rows: AccessDelta[] = [];
  for (const c of impact.accessChanges) {
    if (c.resourceId !== '*') rows.push(withoutExcept(c));
    else rows.push(...expandStar(after, c, named.get(`${c.userId}\u0000${c.resourceType}`) ?? new Set()));
  }
  rows.push(...vanishedUsers(before, after));
  return { impact, changes: oncePerPair(withNewResources(before, after, rows)) };
}

/** Users of the first moment missing at the second (it is the earlier one): they lose everything. */
function vanishedUsers(before: WorkspaceState, after: WorkspaceState): AccessDelta[] {
  const gone = [...before.users.keys()].filter((id) => !after.users.has(id));
  return accessRows(before, gone).map((r) => ({
    userId: r.userId,
    resourceType: r.resourceType,
    resourceId: r.resourceId,
    resourceName: r.resourceName,
    before: r.level,
    after: null,
    hiddenBefore: r.hidden,
    hiddenAfter: false,
  }));
}

/** The first row of each user × resource (a deleted resource's loss can also come from a vanished user). */
function oncePerPair(rows: readonly AccessDelta[]): AccessDelta[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = accessKey(r.userId, r.resourceType, r.resourceId);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isLive(state: WorkspaceState, type: ResourceType, id: string): boolean {
  const r = (type === 'app' ? state.apps : state.dataSources).get(id);
  return r !== undefined && r.deletedAt === undefined;
}

/**
 * A resource that was not there at the first moment (created or restored since) had no access then: the
 * impact compares it as if it had been (its rows say "unchanged"), so its gains are added here.
 */
function withNewResources(before: WorkspaceState, after: WorkspaceState, rows: AccessDelta[]): AccessDelta[] {
  const fresh: { type: ResourceType; id: string; name: string }[] = [];
  for (const type of ['app', 'dataSource'] as const)
    for (const r of (type === 'app' ? after.apps : after.dataSources).values())
      if (r.deletedAt === undefined && !isLive(before, type, r.id))
        fresh.push({ type, id: r.id, name: r.name });
  if (fresh.length === 0) return rows;
  const freshKeys = new Set(fresh.map((f) => accessKey('', f.type, f.id)));
  const out = rows.filter((r) => !freshKeys.has(accessKey('', r.resourceType, r.resourceId)));
  for (const user of after.users.values()) {
    const a = accessFor(after, user.id);
    if (!a?.hasAccess) continue;
    for (const f of fresh) {
      const level = a.level(f.type, f.id);
      if (level === null) continue;
      out.push({
        userId: user.id,
        resourceType: f.type,
        resourceId: f.id,
        resourceName: f.name,
        before: null,
        after: level,
        hiddenBefore: false,
        hiddenAfter: a.hidden(f.type, f.id),
      });
    }
  }
  return out;
}
