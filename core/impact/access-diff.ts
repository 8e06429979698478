/** Rule 9, the access part: per user and resource, the level and visibility before against after. */
import { codeHidden, codeLevel } from '../access/compiled-access.ts';
import { compiledAccess } from '../access/compiled-update.ts';
import { type ResourceAccess, UserAccess } from '../access/user-access.ts';
import { type Group, RESOURCE_TYPES, type ResourceType, type User } from '../model.ts';
import type { Op } from '../ops.ts';
import { meetsGroupRole } from '../rules/roles.ts';
import { type ImpactDiff, IS_MEMBER } from './impact-diff.ts';
import type { AccessChange } from './impact-types.ts';

/** A user's effective custom groups in `after`, derived from `before`'s memberships plus the touched groups. */
function afterGroups(d: ImpactDiff, user: User): { groups: Group[]; ignored: Group[] } {
  const { after, touched } = d;
  const { counted, ignored: wasIgnored } = d.beforeAccess.memberships(user.id);
  const candidates: Group[] = [];
  const seen = new Set<string>();
  for (const list of [counted, wasIgnored])
    for (const g of list) {
      if (touched.groups.has(g.id)) continue;
      candidates.push(g);
      seen.add(g.id);
    }
  const { groups: touchedGroups, bits } = d.touchedGroupsOf(user.id);
  for (let i = 0; i < touchedGroups.length; i++) {
    const id = touchedGroups[i]!.id;
    if ((bits[i]! & IS_MEMBER) !== 0 && !seen.has(id)) candidates.push(after.groups.get(id)!);
  }
  const groups: Group[] = [];
  const ignored: Group[] = [];
  for (const g of candidates) (meetsGroupRole(user, g) ? groups : ignored).push(g);
  return { groups, ignored };
}

function sameAccess(a: Compared, b: Compared): boolean {
  return a.level === b.level && a.hidden === b.hidden;
}

/** The access rows of one user: one per resource a custom grant names, and a '*' row for the rest. */
export function accessDiff(d: ImpactDiff, u0: User | undefined, u1: User): boolean {
  const a0 = u0 ? d.beforeAccess.access(u1.id) : null;
  const { groups, ignored } = afterGroups(d, u1);
  // As accessFor does: a second user with the same email (a merge) has no access until repair archives it.
  const effective =
    u1.status !== 'archived' && !d.beforeAccess.isIdentityAfter(u1)
      ? { ...u1, status: 'archived' as const }
      : u1;
  const a1 = new UserAccess(effective, [d.defaultGroup(u1.role), ...groups], ignored);
  let changed = false;
  for (const type of RESOURCE_TYPES) if (typeAccessDiff(d, type, a0, a1)) changed = true;
  return changed;
}

/** A level and its visibility, as the impact compares them. */
type Compared = Pick<ResourceAccess, 'level' | 'hidden'>;
const NONE: Compared = { level: null, hidden: false };

function typeAccessDiff(d: ImpactDiff, type: ResourceType, a0: UserAccess | null, a1: UserAccess): boolean {
  const pool = type === 'app' ? d.after.apps : d.after.dataSources;
  const userId = a1.user.id;
  const row = (resourceId: string, resourceName: string, x: Compared, y: Compared): AccessChange => ({
    userId,
    resourceType: type,
    resourceId,
    resourceName,
    before: x.level,
    after: y.level,
    hiddenBefore: x.hidden,
    hiddenAfter: y.hidden,
  });
  const ids = new Set<string>(a0?.listedIds(type) ?? []);
  for (const id of a1.listedIds(type)) ids.add(id);
  let changed = false;
  let listed = 0;
  const unchanged: string[] = [];
  for (const id of ids) {
    const r = pool.get(id);
    if (!r || r.deletedAt !== undefined) continue;
    listed++;
    const l0 = a0?.hasAccess ? a0.level(type, id) : null;
    const l1 = a1.hasAccess ? a1.level(type, id) : null;
    const h0 = a0?.hasAccess ? a0.hidden(type, id) : false;
    const h1 = a1.hasAccess ? a1.hidden(type, id) : false;
    if (l0 === l1 && h0 === h1) unchanged.push(id);
    else {
      changed = true;
      d.access.push(row(id, r.name, { level: l0, hidden: h0 }, { level: l1, hidden: h1 }));
    }
  }
  const x = a0?.hasAccess ? a0.allOf(type) : NONE;
  const y = a1.hasAccess ? a1.allOf(type) : NONE;
  if (!sameAccess(x, y) && d.liveCount(type) > listed) {
    changed = true;
    const star = row('*', type === 'app' ? 'All other apps' : 'All other data sources', x, y);
    d.access.push(unchanged.length > 0 ? { ...star, exceptIds: unchanged.sort() } : star);
  }
  return changed;
}

/** Step 3: a deleted app or data source — everyone who could use it loses it. */
export function deletedResourceLosses(d: ImpactDiff, ops: readonly Op[]): void {
  const { before } = d;
  for (const op of ops) {
    if (op.type !== 'entity.set' || (op.collection !== 'apps' && op.collection !== 'dataSources')) continue;
    if (op.fields.deletedAt === undefined) continue;
    const type: ResourceType = op.collection === 'apps' ? 'app' : 'dataSource';
    const resource = (type === 'app' ? before.apps : before.dataSources).get(op.id);
    if (!resource || resource.deletedAt !== undefined) continue;
    // Every user's decision on one resource: the compiled form (no UserAccess per user).
    const compiled = compiledAccess(before);
    const index = (type === 'app' ? compiled.resources.appIndex : compiled.resources.dataSourceIndex).get(
      op.id,
    );
    if (index === undefined) continue;
    for (const user of before.users.values()) {
      const a = compiled.user(user.id);
      const code = !a ? 0 : type === 'app' ? a.appCode(index) : a.dataSourceCode(index);
      const level = codeLevel(type, code);
      if (level === null) continue;
      d.affectedUsers.add(user.id);
      d.access.push({
        userId: user.id,
        resourceType: type,
        resourceId: op.id,
        resourceName: resource.name,
        before: level,
        after: null,
        hiddenBefore: codeHidden(code),
        hiddenAfter: false,
      });
    }
  }
}
