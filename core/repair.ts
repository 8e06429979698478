/**
 * Post-merge repair (ARCHITECTURE.md "Data"): deterministic ops that restore the rules a CRDT merge can
 * break, always towards least privilege, each with a conflict record. Commands keep the rules on their own;
 * repair only meets states that concurrent edits produced. The server applies the ops as its own change.
 */
import { newId as randomId } from './ids.ts';
import type { Conflict, EntityRef, Group, User, WorkspaceState } from './model.ts';
import type { Op } from './ops.ts';
import { defaultGroupGrantViolation } from './rules/default-groups.ts';
import { identityFor } from './rules/identity.ts';
import { roleRank } from './rules/levels.ts';
import { isReservedGroupName, NAME_MAX_LENGTH, normalizeName } from './rules/names.ts';
import { activeAdmins, requiredRole } from './rules/roles.ts';

export interface RepairOptions {
  /** The state before the merge; lets repair restore the admins a merge took away. */
  readonly previous?: WorkspaceState | undefined;
  readonly now?: number | undefined;
  readonly newId?: (() => string) | undefined;
}

export interface RepairResult {
  readonly ops: Op[];
  readonly conflicts: Conflict[];
}

const byAge = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const userRef = (u: User): EntityRef => ({ collection: 'users', id: u.id, name: u.email });
const groupRef = (g: Group): EntityRef => ({ collection: 'groups', id: g.id, name: g.name });

function fitName(base: string, suffix: string): string {
  return base.slice(0, NAME_MAX_LENGTH - suffix.length) + suffix;
}

export function repair(state: WorkspaceState, options: RepairOptions = {}): RepairResult {
  const now = options.now ?? Date.now();
  const newId = options.newId ?? randomId;
  const ops: Op[] = [];
  const conflicts: Conflict[] = [];
  const record = (code: string, message: string, entities: EntityRef[], repairText: string) =>
    conflicts.push({ id: newId(), code, message, entities, edits: [], repair: repairText, createdAt: now });

  const groups = [...state.groups.values()].sort(byAge);
  const liveIds = (m: ReadonlyMap<string, { deletedAt?: number | undefined }>) => (id: string) =>
    m.get(id)?.deletedAt === undefined && m.has(id);
  const isApp = liveIds(state.apps);
  const isDataSource = liveIds(state.dataSources);

  for (const g of groups) {
    if (g.deletedAt !== undefined) {
      // A member added while another admin deleted the group.
      if (g.kind === 'custom' && g.members.size > 0) {
        for (const userId of [...g.members].sort())
          ops.push({ type: 'member.remove', groupId: g.id, userId });
        record(
          'member-of-deleted-group',
          `Users were added to “${g.name}” while it was deleted`,
          [groupRef(g)],
          `Removed ${g.members.size} membership(s) of the deleted group`,
        );
      }
      continue;
    }
    // Grants naming apps or data sources that were deleted meanwhile; grants a default group may not hold.
    for (const grant of [...g.grants.values()].sort(byAge)) {
      if (grant.deletedAt !== undefined) continue;
      if (g.kind === 'default' && g.role && g.role !== 'admin' && defaultGroupGrantViolation(g.role, grant)) {
        ops.push({ type: 'grant.set', groupId: g.id, grantId: grant.id, fields: { deletedAt: now } });
        record(
          'default-group-grant',
          `The ${g.name} group got a permission it may not hold (“${grant.name}”)`,
          [groupRef(g)],
          `Removed “${grant.name}”`,
        );
        continue;
      }
      if (grant.scope !== 'custom') continue;
      const exists = grant.resourceType === 'app' ? isApp : isDataSource;
      const gone = grant.resourceIds.filter((id) => !exists(id));
      if (gone.length === 0) continue;
      const left = grant.resourceIds.length - gone.length;
      ops.push({ type: 'grant.resources', groupId: g.id, grantId: grant.id, add: [], remove: gone });
      if (left === 0)
        ops.push({ type: 'grant.set', groupId: g.id, grantId: grant.id, fields: { deletedAt: now } });
      record(
        'grant-names-deleted-resource',
        `Permission “${grant.name}” of “${g.name}” named ${gone.length} ${grant.resourceType === 'app' ? 'app(s)' : 'data source(s)'} deleted meanwhile`,
        [groupRef(g)],
        left === 0
          ? `Removed the permission, which named nothing else`
          : `Removed the deleted resource(s) from the permission`,
      );
    }
    if (g.kind === 'default' && g.role === 'end-user' && Object.values(g.flags).some(Boolean)) {
      const off: Record<string, boolean> = {};
      for (const [f, on] of Object.entries(g.flags)) if (on) off[f] = false;
      ops.push({ type: 'entity.set', collection: 'groups', id: g.id, fields: off });
      record(
        'default-group-flags',
        'The End-user group got workspace permissions',
        [groupRef(g)],
        'Turned them off',
      );
    }
    if (g.kind !== 'custom') continue;
    // Members that are not users, and end-users in a builder-level group (towards least privilege).
    const need = roleRank(requiredRole(g));
    const unknown: string[] = [];
    const tooLow: User[] = [];
    for (const userId of [...g.members].sort()) {
      const user = state.users.get(userId);
      if (!user) unknown.push(userId);
      else if (roleRank(user.role) < need) tooLow.push(user);
    }
    for (const userId of unknown) ops.push({ type: 'member.remove', groupId: g.id, userId });
    for (const u of tooLow) ops.push({ type: 'member.remove', groupId: g.id, userId: u.id });
    if (tooLow.length > 0)
      record(
        'end-user-in-builder-group',
        `${tooLow.map((u) => u.name || u.email).join(', ')} (End-user) ended up in “${g.name}”, a builder-level group`,
        [groupRef(g), ...tooLow.map(userRef)],
        `Removed them from “${g.name}”. Re-apply to add them again and make them Builders.`,
      );
  }

  // Group names: unique ignoring case, never reserved. The oldest keeps the name.
  const taken = new Set<string>();
  for (const g of groups)
    if (g.deletedAt === undefined && g.kind === 'default') taken.add(normalizeName(g.name));
  const renames: { g: Group; name: string }[] = [];
  for (const g of groups) {
    if (g.deletedAt !== undefined || g.kind !== 'custom') continue;
    const key = normalizeName(g.name);
    if (!taken.has(key) && !isReservedGroupName(g.name)) {
      taken.add(key);
      continue;
    }
    let n = 2;
    let name = fitName(g.name.trim(), ` (${n})`);
    while (taken.has(normalizeName(name)) || isReservedGroupName(name))
      name = fitName(g.name.trim(), ` (${++n})`);
    taken.add(normalizeName(name));
    renames.push({ g, name });
  }
  for (const { g, name } of renames) {
    ops.push({ type: 'entity.set', collection: 'groups', id: g.id, fields: { name } });
    record(
      'duplicate-group-name',
      `Two groups were named “${g.name}”`,
      [groupRef(g)],
      `Renamed the newer one to “${name}”`,
    );
  }
  // Permission names within a group.
  for (const g of groups) {
    if (g.deletedAt !== undefined) continue;
    const names = new Set<string>();
    for (const grant of [...g.grants.values()].sort(byAge)) {
      if (grant.deletedAt !== undefined) continue;
      let name = grant.name;
      for (let n = 2; names.has(normalizeName(name)); n++) name = fitName(grant.name, ` (${n})`);
      names.add(normalizeName(name));
      if (name !== grant.name) {
        ops.push({ type: 'grant.set', groupId: g.id, grantId: grant.id, fields: { name } });
        record(
          'duplicate-permission-name',
          `Two permissions of “${g.name}” were named “${grant.name}”`,
          [groupRef(g)],
          `Renamed the newer one to “${name}”`,
        );
      }
    }
  }

  // One unarchived user per email (concurrent invites): the email's identity stays, the others are archived.
  const archivedNow = new Set<string>();
  const byEmail = new Map<string, User[]>();
  for (const u of [...state.users.values()].sort(byAge))
    if (u.status !== 'archived') byEmail.set(u.email, [...(byEmail.get(u.email) ?? []), u]);
  for (const [email, users] of byEmail) {
    if (users.length < 2) continue;
    const keep = identityFor(state, email);
    const rest = users.filter((u) => u !== keep);
    if (!keep) continue;
    for (const u of rest) {
      archivedNow.add(u.id);
      ops.push({ type: 'entity.set', collection: 'users', id: u.id, fields: { status: 'archived' } });
    }
    record(
      'duplicate-email',
      `${email} was invited twice at once`,
      [userRef(keep), ...rest.map(userRef)],
      `Kept ${keep.status === 'active' ? 'the user who accepted' : 'the first invitation'} and archived the other ${rest.length}`,
    );
  }
  // App slugs: unique among live apps; the oldest keeps its slug.
  const slugs = new Set<string>();
  const apps = [...state.apps.values()].filter((a) => a.deletedAt === undefined).sort(byAge);
  for (const a of apps) slugs.add(a.slug);
  const seen = new Set<string>();
  for (const a of apps) {
    if (!seen.has(a.slug)) {
      seen.add(a.slug);
      continue;
    }
    let n = 2;
    while (slugs.has(`${a.slug.slice(0, 58)}-${n}`)) n++;
    const slug = `${a.slug.slice(0, 58)}-${n}`;
    slugs.add(slug);
    seen.add(slug);
    ops.push({ type: 'entity.set', collection: 'apps', id: a.id, fields: { slug } });
    record(
      'duplicate-app-slug',
      `Two apps used the slug “${a.slug}”`,
      [{ collection: 'apps', id: a.id, name: a.name }],
      `Changed the newer one's slug to “${slug}”`,
    );
  }

  // At least one active admin: restore the admins the merge took away (oldest first).
  if (state.users.size > 0 && activeAdmins(state).filter((u) => !archivedNow.has(u.id)).length === 0) {
    const candidates = options.previous ? activeAdmins(options.previous) : [];
    if (candidates.length === 0)
      for (const u of state.users.values())
        if (u.role === 'admin' && u.status === 'archived') candidates.push(u);
    const pick = candidates.filter((u) => state.users.has(u.id) && !archivedNow.has(u.id)).sort(byAge)[0];
    if (pick) {
      ops.push({
        type: 'entity.set',
        collection: 'users',
        id: pick.id,
        fields: { role: 'admin', status: 'active' },
      });
      record(
        'no-active-admin',
        'Concurrent changes left the workspace without an active admin',
        [userRef(pick)],
        `Restored ${pick.name || pick.email} as an active admin`,
      );
    }
  }
  return { ops, conflicts };
}

/** Ops that write conflict records (after the server filled in the edits). */
export function conflictOps(conflicts: readonly Conflict[]): Op[] {
  return conflicts.map((c) => ({
    type: 'entity.create' as const,
    collection: 'conflicts' as const,
    id: c.id,
    fields: {
      code: c.code,
      message: c.message.slice(0, 2000),
      entities: c.entities.map((e) => ({ ...e })),
      edits: c.edits.map((e) => ({ ...e })),
      repair: c.repair.slice(0, 2000),
      createdAt: c.createdAt,
    },
  }));
}
