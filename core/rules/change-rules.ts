import type {
  App,
  Conflict,
  DataSource,
  Grant,
  Group,
  User,
  WorkspaceMeta,
  WorkspaceState,
} from '../model.ts';
import { FLAGS } from '../model.ts';
import { hasAnyFlag } from './builder-level.ts';
import { checkKeepsAdmins, checkMemberships } from './change-rules-across.ts';
import { type ChangeCheckOptions, type ChangeViolation, type Touched, Verdict } from './change-verdict.ts';
import { DEFAULT_GROUP_MESSAGES, defaultGroupGrantViolation } from './default-groups.ts';
import {
  checkEmail,
  checkKind,
  checkResourceName,
  checkSlugFormat,
  checkUserName,
  checkWorkspaceName,
} from './formats.ts';
import { checkGrantShape } from './grants.ts';
import { deriveNameIndex, findNamed } from './name-index.ts';
import { checkGrantNameFormat, checkGroupNameFormat, sameName } from './names.ts';
import { checkUrlPatterns } from './url-patterns.ts';

export type { ChangeCheckOptions, ChangeViolation, Touched } from './change-verdict.ts';

/** Checks a change; an empty list means it keeps every rule. Never throws on a state read from junk. */
export function checkChange(
  before: WorkspaceState,
  after: WorkspaceState,
  touched: Touched,
  options: ChangeCheckOptions,
): ChangeViolation[] {
  const v = new Verdict(before, after, options);
  // Name lookups go through an index per version, derived from the one before (name-index.ts).
  // The ids are read from the two versions, not from `touched`: the index must hold every name.
  deriveNameIndex(before.groups, after.groups);
  deriveNameIndex(before.apps, after.apps);
  deriveNameIndex(before.dataSources, after.dataSources);
  for (const id of touched.groups) checkGroup(v, id, before.groups.get(id), after.groups.get(id));
  for (const id of touched.users) checkUser(v, id, before.users.get(id), after.users.get(id));
  for (const id of touched.apps) checkApp(v, id, before.apps.get(id), after.apps.get(id));
  for (const id of touched.dataSources)
    checkDataSource(v, id, before.dataSources.get(id), after.dataSources.get(id));
  for (const id of touched.conflicts) checkConflict(v, id, before.conflicts.get(id), after.conflicts.get(id));
  if (touched.meta) checkMeta(v, before.meta, after.meta);
  for (const path of touched.nestedSet ?? []) checkNestedSet(v, path);
  if (v.strict) {
    checkMemberships(v, touched);
    checkKeepsAdmins(v, touched);
  }
  return v.out;
}

/** Nested maps are made with their entity (or grant) and never replaced: a new one drops concurrent edits. */
function checkNestedSet(v: Verdict, path: string): void {
  const [collection, id, key, grantId] = path.split('.');
  if (collection !== 'groups' || id === undefined) return;
  const group = v.before.groups.get(id);
  const existed =
    key === 'grants' && grantId !== undefined ? group?.grants.has(grantId) : group !== undefined;
  if (existed) v.add(path, 'immutable-field', 'nested maps are created with their entity and never replaced');
}

function checkTombstone(
  v: Verdict,
  path: string,
  b: { deletedAt?: number | undefined } | undefined,
  a: { deletedAt?: number | undefined },
): void {
  if (b?.deletedAt !== undefined && a.deletedAt === undefined)
    v.add(`${path}.deletedAt`, 'immutable-field', 'a deleted entity stays deleted');
}

function checkGroup(v: Verdict, id: string, b: Group | undefined, a: Group | undefined): void {
  if (!a) return;
  const path = `groups.${id}`;
  if (!b) {
    if (a.kind === 'default' && !v.trusted)
      v.add(`${path}.kind`, 'default-group-create', 'default groups are created with the workspace');
  } else {
    v.immutable(`${path}.kind`, b.kind, a.kind, 'a group’s kind');
    v.immutable(`${path}.role`, b.role, a.role, 'a group’s role');
    v.immutable(`${path}.createdAt`, b.createdAt, a.createdAt, 'a group’s creation time');
    checkTombstone(v, path, b, a);
  }
  // Members leave with their group (the delete command removes them): a tombstone over members is a merge.
  if (
    v.strict &&
    a.kind === 'custom' &&
    a.deletedAt !== undefined &&
    b?.deletedAt === undefined &&
    a.members.size > 0
  )
    v.add(`${path}.members`, 'invalid-input', 'A group is deleted together with its memberships');
  if (a.kind === 'default') checkDefaultGroup(v, path, b, a);
  else if (a.deletedAt === undefined && (!b || b.name !== a.name)) {
    v.format(`${path}.name`, a.name, checkGroupNameFormat);
    if (v.strict && findNamed(v.after.groups, a.name, id, isLiveCustom))
      v.add(`${path}.name`, 'name-taken', 'Group name already exists');
  }
  checkGrants(v, path, b, a);
}

const isLive = (e: { deletedAt?: number | undefined }) => e.deletedAt === undefined;
const isLiveCustom = (g: Group) => g.deletedAt === undefined && g.kind !== 'default';

function checkDefaultGroup(v: Verdict, path: string, b: Group | undefined, a: Group): void {
  const role = a.role;
  if (role === undefined) return;
  if (b && b.name !== a.name) v.add(`${path}.name`, 'default-group-rename', DEFAULT_GROUP_MESSAGES.rename);
  if (a.deletedAt !== undefined)
    v.add(`${path}.deletedAt`, 'default-group-delete', DEFAULT_GROUP_MESSAGES.delete);
  if (a.members.size > (b?.members.size ?? 0) || [...a.members].some((m) => !b?.members.has(m)))
    v.add(`${path}.members`, 'default-group-members', DEFAULT_GROUP_MESSAGES.members);
  const flagsChanged = FLAGS.some((f) => (b?.flags[f] ?? false) !== a.flags[f]);
  if (role === 'admin' && b && (flagsChanged || changedGrants(b, a).length > 0))
    v.add(path, 'admin-group-not-editable', DEFAULT_GROUP_MESSAGES.adminNotEditable);
  if (role === 'end-user' && flagsChanged && hasAnyFlag(a.flags))
    v.add(path, 'end-user-view-only', DEFAULT_GROUP_MESSAGES.endUserViewOnly);
}

/** The live grants of `a` that differ from their version in `b` (new ones included). */
function changedGrants(b: Group | undefined, a: Group): Grant[] {
  const out: Grant[] = [];
  for (const g of a.grants.values()) {
    const was = b?.grants.get(g.id);
    if (!was || !sameGrant(was, g)) out.push(g);
  }
  return out;
}

function sameGrant(x: Grant, y: Grant): boolean {
  return (
    x.name === y.name &&
    x.resourceType === y.resourceType &&
    x.scope === y.scope &&
    x.level === y.level &&
    x.hideFromDashboard === y.hideFromDashboard &&
    x.createdAt === y.createdAt &&
    x.deletedAt === y.deletedAt &&
    x.resourceIds.length === y.resourceIds.length &&
    x.resourceIds.every((id, i) => y.resourceIds[i] === id)
  );
}

function checkGrants(v: Verdict, groupPath: string, b: Group | undefined, a: Group): void {
  // A permission is deleted with a tombstone; one that vanished (its map replaced whole) loses edits.
  if (b)
    for (const id of b.grants.keys())
      if (!a.grants.has(id))
        v.add(
          `${groupPath}.grants.${id}`,
          'immutable-field',
          'permissions are deleted with a tombstone (deletedAt)',
        );
  const changed = changedGrants(b, a);
  deriveNameIndex(
    b?.grants,
    a.grants,
    changed.map((g) => g.id),
  );
  for (const g of changed) {
    const path = `${groupPath}.grants.${g.id}`;
    const was = b?.grants.get(g.id);
    if (was) {
      v.immutable(`${path}.createdAt`, was.createdAt, g.createdAt, 'a permission’s creation time');
      checkTombstone(v, path, was, g);
    }
    if (g.deletedAt !== undefined) continue;
    if (!was || was.name !== g.name) {
      v.format(`${path}.name`, g.name, checkGrantNameFormat);
      // The index says whether a name is taken; the loop lists every holder, in order, as before.
      if (v.strict && findNamed(a.grants, g.name, g.id, isLive))
        for (const other of a.grants.values())
          if (other.id !== g.id && other.deletedAt === undefined && sameName(other.name, g.name))
            v.add(`${path}.name`, 'grant-name-taken', 'Permission name already exists in this group');
    }
    if (a.kind === 'default' && a.role && a.role !== 'admin') {
      const violation = defaultGroupGrantViolation(a.role, g);
      if (violation) v.add(path, violation, DEFAULT_GROUP_MESSAGES[violationMessage(violation)]);
    }
    const shape = checkGrantShape(v.strict ? v.after : null, g);
    if (!shape.ok) v.add(path, shape.error.code, shape.error.message);
  }
}

function violationMessage(
  code: NonNullable<ReturnType<typeof defaultGroupGrantViolation>>,
): keyof typeof DEFAULT_GROUP_MESSAGES {
  return code === 'admin-group-not-editable'
    ? 'adminNotEditable'
    : code === 'end-user-view-only'
      ? 'endUserViewOnly'
      : 'builderScopeAll';
}

function checkUser(v: Verdict, id: string, b: User | undefined, a: User | undefined): void {
  if (!a) return;
  const path = `users.${id}`;
  if (!b) {
    v.format(`${path}.email`, a.email, (e) => checkEmail(e));
    if (!v.trusted && (a.status !== 'invited' || a.activatedAt !== undefined))
      v.add(
        `${path}.status`,
        'user-status-server-only',
        'A user is created as invited and becomes active only by accepting the invitation',
      );
    if (v.strict && a.status !== 'archived' && v.unarchivedWithEmail(a.email) > 1)
      v.add(`${path}.email`, 'user-exists', 'A user with this email already exists');
  } else {
    v.immutable(`${path}.email`, b.email, a.email, 'a user’s email');
    v.immutable(`${path}.createdAt`, b.createdAt, a.createdAt, 'a user’s creation time');
    if (!v.trusted) {
      if (b.status !== a.status && !mayChangeStatus(b, a))
        v.add(
          `${path}.status`,
          'user-status-server-only',
          a.status === 'active'
            ? 'A user becomes active only by accepting the invitation'
            : `A user’s status can’t go from ${b.status} to ${a.status}`,
        );
      else if (b.activatedAt !== a.activatedAt)
        v.add(
          `${path}.activatedAt`,
          'user-status-server-only',
          'When a user accepted their invitation is written by the server',
        );
    }
  }
  if (!b || b.name !== a.name) v.format(`${path}.name`, a.name, checkUserName);
}

/** The status changes an admin may make: archive, and restore (to active only if the user once accepted). */
function mayChangeStatus(b: User, a: User): boolean {
  if (a.status === 'archived') return true;
  if (b.status !== 'archived') return false;
  return a.status === (a.activatedAt === undefined ? 'invited' : 'active');
}

function checkApp(v: Verdict, id: string, b: App | undefined, a: App | undefined): void {
  if (!a) return;
  const path = `apps.${id}`;
  if (b) {
    v.immutable(`${path}.createdAt`, b.createdAt, a.createdAt, 'an app’s creation time');
    checkTombstone(v, path, b, a);
  }
  if (a.deletedAt !== undefined) return;
  if (!b || b.name !== a.name) {
    v.format(`${path}.name`, a.name, (n) => checkResourceName(n, 'App'));
    if (v.strict && findNamed(v.after.apps, a.name, id, isLive))
      v.add(`${path}.name`, 'name-taken', 'An app with this name already exists');
  }
  if (!b || b.slug !== a.slug) {
    v.format(`${path}.slug`, a.slug, checkSlugFormat);
    if (v.strict)
      for (const other of v.after.apps.values())
        if (other.id !== id && other.deletedAt === undefined && other.slug === a.slug)
          v.add(`${path}.slug`, 'slug-taken', `Another app already uses the slug “${a.slug}”`);
  }
  if (!b || b.urlPatterns !== a.urlPatterns) {
    const patterns = checkUrlPatterns(a.urlPatterns);
    if (!patterns.ok) v.add(`${path}.urlPatterns`, patterns.error.code, patterns.error.message);
  }
}

function checkDataSource(v: Verdict, id: string, b: DataSource | undefined, a: DataSource | undefined): void {
  if (!a) return;
  const path = `dataSources.${id}`;
  if (b) {
    v.immutable(`${path}.createdAt`, b.createdAt, a.createdAt, 'a data source’s creation time');
    checkTombstone(v, path, b, a);
  }
  if (a.deletedAt !== undefined) return;
  if (!b || b.name !== a.name) {
    v.format(`${path}.name`, a.name, (n) => checkResourceName(n, 'Data source'));
    if (v.strict && findNamed(v.after.dataSources, a.name, id, isLive))
      v.add(`${path}.name`, 'name-taken', 'A data source with this name already exists');
  }
  if (!b || b.kind !== a.kind) v.format(`${path}.kind`, a.kind, checkKind);
}

/** Conflict records are the server's; an admin only marks one resolved. */
function checkConflict(v: Verdict, id: string, b: Conflict | undefined, a: Conflict | undefined): void {
  if (!a || v.trusted) return;
  const path = `conflicts.${id}`;
  if (!b) {
    v.add(path, 'conflict-server-only', 'Conflict records are written by the server');
    return;
  }
  const same =
    a.code === b.code &&
    a.message === b.message &&
    a.repair === b.repair &&
    a.createdAt === b.createdAt &&
    JSON.stringify([a.entities, a.edits]) === JSON.stringify([b.entities, b.edits]);
  if (!same) v.add(path, 'conflict-server-only', 'Conflict records are written by the server');
  if (b.resolvedAt !== undefined && a.resolvedAt !== b.resolvedAt)
    v.add(`${path}.resolvedAt`, 'immutable-field', 'a resolved conflict stays resolved');
}

/** The workspace's name and slug are set when it is created; no command changes them. */
function checkMeta(v: Verdict, b: WorkspaceMeta, a: WorkspaceMeta): void {
  if (v.trusted) {
    if (b.name !== a.name) v.format('meta.name', a.name, checkWorkspaceName);
    return;
  }
  v.immutable('meta.slug', b.slug, a.slug, 'the workspace’s slug');
  v.immutable('meta.name', b.name, a.name, 'the workspace’s name');
}
