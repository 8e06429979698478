/**
 * SCIM writes to users, as core commands run by the connection (scim-context.ts): create (an invitation),
 * replace (rename, role, archive/restore), delete (archive: SPEC rule 7 keeps memberships, so `active:
 * true` or a new create restores losslessly). Upgrades follow the connection's "may upgrade roles";
 * otherwise the role is kept and the wish held as a conflict for an admin.
 */
import { type Command, type Role, roleRank, type User } from '../../../core/index.ts';
import type { ScimLink } from '../../storage/scim-store.ts';
import { holdForAdmin, run, runAll, type ScimContext } from './scim-context.ts';
import { ScimError } from './scim-error.ts';
import type { DesiredUser, UserView } from './scim-user.ts';

const taken = (what: string) => new ScimError(409, `${what} is already in use`, 'uniqueness');

/** 409 when another resource of this connection already has the userName or externalId (unchanged ones are not looked up). */
async function checkUnique(sc: ScimContext, d: DesiredUser, v: UserView | null): Promise<void> {
  const id = sc.connection.id;
  const userId = v?.user.id ?? null;
  if (d.userName !== v?.link?.userName) {
    const byName = await sc.ctx.storage.scimLinkByUserName(id, d.userName);
    if (byName && byName.resourceId !== userId) throw taken(`userName “${d.userName}”`);
  }
  if (d.externalId && d.externalId !== v?.link?.externalId) {
    const byExt = await sc.ctx.storage.scimLinkByExternalId(id, 'user', d.externalId);
    if (byExt && byExt.resourceId !== userId) throw taken(`externalId “${d.externalId}”`);
  }
}

async function saveLink(
  sc: ScimContext,
  userId: string,
  d: DesiredUser,
  before: ScimLink | null,
): Promise<void> {
  const same =
    before &&
    before.externalId === d.externalId &&
    before.userName === d.userName &&
    JSON.stringify(before.attributes) === JSON.stringify(d.attributes);
  if (same) return;
  const now = Date.now();
  const id = sc.connection.id;
  await sc.ctx.storage.putScimLink({
    connectionId: id,
    kind: 'user',
    resourceId: userId,
    externalId: d.externalId,
    userName: d.userName,
    attributes: d.attributes,
    createdAt: before?.createdAt ?? now,
    updatedAt: now,
  });
}

/** The role command for a wish; an upgrade the connection may not make is `held` instead. */
function roleChange(
  sc: ScimContext,
  user: User,
  role: Role | undefined,
): { commands: Command[]; held?: Role } {
  if (role === undefined || role === user.role) return { commands: [] };
  if (roleRank(role) > roleRank(user.role) && !sc.connection.mayUpgradeRoles)
    return { commands: [], held: role };
  return { commands: [{ type: 'user.setRole', userId: user.id, role, allowRoleChange: true }] };
}

/** Records an upgrade the connection may not make, for an admin (written after the rest succeeded). */
function holdRole(sc: ScimContext, user: User, role: Role): Promise<void> {
  return holdForAdmin(sc, {
    code: 'scim-upgrade-held',
    message: `${sc.actor.name} asked to make ${user.email} ${role === 'admin' ? 'an Admin' : 'a Builder'}; this connection may not upgrade roles`,
    entities: [{ collection: 'users', id: user.id, name: user.email }],
    repair: `Kept ${user.email} as ${user.role}: an admin may change the role, or let the connection upgrade roles`,
  });
}

function statusCommands(user: User, active: boolean | undefined): { before: Command[]; after: Command[] } {
  if (active === true && user.status === 'archived')
    return { before: [{ type: 'user.restore', userId: user.id }], after: [] };
  if (active === false && user.status !== 'archived')
    return { before: [], after: [{ type: 'user.archive', userId: user.id }] };
  return { before: [], after: [] };
}

/** Makes an existing user what `d` says (PUT, and PATCH after its operations). */
export async function replaceUser(sc: ScimContext, v: UserView, d: DesiredUser): Promise<void> {
  const { user } = v;
  if (d.email !== user.email)
    throw new ScimError(
      400,
      `The email of a Gatehouse user cannot change (${user.email}); create a new user for ${d.email}`,
      'mutability',
    );
  await checkUnique(sc, d, v);
  const status = statusCommands(user, d.active);
  const rename: Command[] =
    d.displayName !== user.name ? [{ type: 'user.rename', userId: user.id, name: d.displayName }] : [];
  const role = roleChange(sc, user, d.role);
  await runAll(sc, [...status.before, ...rename, ...role.commands, ...status.after]);
  await saveLink(sc, user.id, d, v.link);
  if (role.held) await holdRole(sc, user, role.held);
}

/**
 * Creates the user (an invitation: they become active when they accept or sign in) — or, when an archived
 * user has that email (deprovisioned earlier), restores that user with their memberships (SPEC rule 7).
 */
export async function createUser(
  sc: ScimContext,
  d: DesiredUser,
  existing: UserView | null,
): Promise<string> {
  if (existing) {
    if (existing.user.status !== 'archived') throw taken(`A user with email ${d.email}`);
    await replaceUser(sc, existing, { ...d, active: d.active ?? true });
    return existing.user.id;
  }
  await checkUnique(sc, d, null);
  const wanted = d.role ?? 'end-user';
  const mayUpgrade = wanted === 'end-user' || sc.connection.mayUpgradeRoles;
  const planned = await run(sc, {
    type: 'user.invite',
    email: d.email,
    name: d.displayName,
    role: mayUpgrade ? wanted : 'end-user',
    allowRoleChange: true,
  });
  const userId = planned.createdId!;
  const user = sc.live.state().users.get(userId)!;
  if (d.active === false) await run(sc, { type: 'user.archive', userId });
  await saveLink(sc, userId, d, null);
  if (!mayUpgrade) await holdRole(sc, user, wanted);
  return userId;
}

/**
 * DELETE: Gatehouse never deletes a person. The user is archived (memberships kept, no access, SPEC rule
 * 7) and stays readable with `active: false`, as after Entra's soft delete; a later create or
 * `active: true` restores them.
 */
export async function deleteUser(sc: ScimContext, v: UserView): Promise<void> {
  if (v.user.status !== 'archived') await run(sc, { type: 'user.archive', userId: v.user.id });
}
