/**
 * The rules a change must keep, judged on the states before and after it: the one gate every path that
 * changes a workspace goes through — `plan()` for commands (REST and the admin app) and the server's sync
 * pipeline for Yjs updates from clients, after the shape checks of `validateChanges`. A rule lives once,
 * in the functions this module calls (names.ts, formats.ts, default-groups.ts, roles.ts, grants.ts).
 *
 * Two kinds of rules:
 * - rules of one entity (formats, default groups, immutable fields, who may write a status): no merge of
 *   legitimate edits breaks them, so a change that breaks one is refused on every path;
 * - rules across entities (unique names, who may be in a group, at least one admin): concurrent edits
 *   can break them without anyone doing wrong. A live change is refused (`mode: 'strict'`); a replica's
 *   catch-up after being offline (`mode: 'merge'`) is accepted and `repair` restores the rule.
 * Only what the change made worse counts: a state a merge already broke does not block unrelated edits.
 */
import type { ErrorCode, GatehouseError, Result } from '../errors.ts';
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
import { roleRank } from './levels.ts';
import { checkGrantNameFormat, checkGroupNameFormat, groupNamed, liveNamed, sameName } from './names.ts';
import { activeAdmins, checkCanJoinGroup, isActiveAdminUser, meetsGroupRole } from './roles.ts';
import { checkUrlPatterns } from './url-patterns.ts';

/** The entities a change touched, by collection. */
export interface Touched {
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly apps: ReadonlySet<string>;
  readonly dataSources: ReadonlySet<string>;
  readonly conflicts: ReadonlySet<string>;
  readonly meta: boolean;
  /** Nested maps written (`groups.<id>.members`, `groups.<id>.grants.<grantId>.resources`); sync only. */
  readonly nestedSet?: readonly string[] | undefined;
}

export interface ChangeCheckOptions {
  /** `strict` for commands and live updates; `merge` for an offline replica's catch-up (see above). */
  readonly mode: 'strict' | 'merge';
  /** The server's own writes (accepting an invitation, repair): may activate users and write conflicts. */
  readonly trusted?: boolean | undefined;
}

export interface ChangeViolation extends GatehouseError {
  /** Where, as `collection.id[.field]`. */
  readonly path: string;
}

const MAX_VIOLATIONS = 20;

class Verdict {
  readonly out: ChangeViolation[] = [];
  constructor(
    readonly before: WorkspaceState,
    readonly after: WorkspaceState,
    readonly options: ChangeCheckOptions,
  ) {}
  get strict(): boolean {
    return this.options.mode === 'strict';
  }
  get trusted(): boolean {
    return this.options.trusted === true;
  }
  add(path: string, code: ErrorCode, message: string): void {
    if (this.out.length < MAX_VIOLATIONS) this.out.push({ path, code, message });
  }
  /** A field's stored form must be what its check makes of it (a command stores exactly that). */
  format(path: string, value: unknown, check: (v: string) => Result<string>): void {
    if (typeof value !== 'string') {
      this.add(path, 'invalid-input', 'must be text');
      return;
    }
    const r = check(value);
    if (!r.ok) this.add(path, r.error.code, r.error.message);
    else if (r.value !== value) this.add(path, 'invalid-input', 'must be stored trimmed and normalized');
  }
  private emailCounts: Map<string, number> | null = null;
  /** Users with this email that are not archived, after the change (counted once per check). */
  unarchivedWithEmail(email: string): number {
    if (!this.emailCounts) {
      this.emailCounts = new Map();
      for (const u of this.after.users.values())
        if (u.status !== 'archived') this.emailCounts.set(u.email, (this.emailCounts.get(u.email) ?? 0) + 1);
    }
    return this.emailCounts.get(email) ?? 0;
  }
  immutable(path: string, was: unknown, now: unknown, what: string): void {
    if (was !== now) this.add(path, 'immutable-field', `${what} never changes`);
  }
}

/** Checks a change; an empty list means it keeps every rule. Never throws on a state read from junk. */
export function checkChange(
  before: WorkspaceState,
  after: WorkspaceState,
  touched: Touched,
  options: ChangeCheckOptions,
): ChangeViolation[] {
  const v = new Verdict(before, after, options);
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
    if (v.strict && groupNamed(v.after, a.name, id))
      v.add(`${path}.name`, 'name-taken', 'Group name already exists');
  }
  checkGrants(v, path, b, a);
}

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
  for (const g of changedGrants(b, a)) {
    const path = `${groupPath}.grants.${g.id}`;
    const was = b?.grants.get(g.id);
    if (was) {
      v.immutable(`${path}.createdAt`, was.createdAt, g.createdAt, 'a permission’s creation time');
      checkTombstone(v, path, was, g);
    }
    if (g.deletedAt !== undefined) continue;
    if (!was || was.name !== g.name) {
      v.format(`${path}.name`, g.name, checkGrantNameFormat);
      if (v.strict)
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
    if (v.strict && liveNamed(v.after.apps.values(), a.name, id))
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
    if (v.strict && liveNamed(v.after.dataSources.values(), a.name, id))
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

/**
 * Rules 4, 5 and 7 for the memberships the change made: no archived user added to a group, and every
 * member of a custom group holds the role it needs — unless it already failed before the change.
 */
function checkMemberships(v: Verdict, touched: Touched): void {
  const { before, after } = v;
  const needsRole = (user: User | undefined, g: Group) => user !== undefined && !meetsGroupRole(user, g);
  const check = (g: Group, userId: string) => {
    const user = after.users.get(userId);
    const was = before.groups.get(g.id);
    const wasMember = was?.deletedAt === undefined && was?.members.has(userId) === true;
    if (!wasMember && user) {
      const can = checkCanJoinGroup(user);
      if (!can.ok) v.add(`groups.${g.id}.members.${userId}`, can.error.code, can.error.message);
    }
    if (needsRole(user, g) && !(wasMember && was && needsRole(before.users.get(userId), was)))
      v.add(
        `groups.${g.id}.members.${userId}`,
        'member-needs-role',
        `${user?.email ?? userId} is an End-user: “${g.name}” is builder-level, so they must become a Builder (with confirmation) to be in it`,
      );
  };
  for (const id of touched.groups) {
    const g = after.groups.get(id);
    if (g?.kind !== 'custom' || g.deletedAt !== undefined) continue;
    for (const userId of g.members) check(g, userId);
  }
  // Users whose role went down: the groups they are still in (rule 5 removes them in the same change).
  const lowered = [...touched.users].filter((id) => {
    const b = before.users.get(id);
    const a = after.users.get(id);
    return b !== undefined && a !== undefined && roleRank(a.role) < roleRank(b.role);
  });
  if (lowered.length === 0) return;
  for (const g of after.groups.values()) {
    if (g.kind !== 'custom' || g.deletedAt !== undefined || touched.groups.has(g.id)) continue;
    for (const userId of lowered) if (g.members.has(userId)) check(g, userId);
  }
}

/** Rule 6: a change that leaves no active admin, where there was one, is refused. */
function checkKeepsAdmins(v: Verdict, touched: Touched): void {
  const affected = [...touched.users].some((id) => {
    const b = v.before.users.get(id);
    return b !== undefined && isActiveAdminUser(b);
  });
  if (!affected || activeAdmins(v.after).length > 0 || activeAdmins(v.before).length === 0) return;
  v.add('users', 'last-admin', 'The last active admin can’t be downgraded, archived or removed');
}
