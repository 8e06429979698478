/** User commands: invite, role, archive, restore, activate, rename. */

import { fail } from '../errors.ts';
import { ROLES } from '../model.ts';
import type { Op } from '../ops.ts';
import { checkEmail, checkUserName } from '../rules/formats.ts';
import { checkKeepsAnAdmin, groupsToLeave } from '../rules/roles.ts';
import type { CommandBody } from './command.ts';
import { draft, findUser, isFailure, type Planner } from './planner.ts';

type Of<T extends CommandBody['type']> = Extract<CommandBody, { type: T }>;

export const planInvite: Planner<Of<'user.invite'>> = ({ state, now, newId }, c) => {
  const checked = checkEmail(c.email);
  if (!checked.ok) return checked;
  const email = checked.value;
  if (!ROLES.includes(c.role)) return fail('invalid-input', 'Role must be admin, builder or end-user');
  const name = checkUserName(c.name.trim() || email.split('@')[0] || email);
  if (!name.ok) return name;
  for (const u of state.users.values())
    if (u.email === email)
      return fail(
        'user-exists',
        u.status === 'archived'
          ? 'This user is archived: restore them instead'
          : 'A user with this email already exists',
        {
          userId: u.id,
        },
      );
  const id = newId();
  return draft(
    [
      {
        type: 'entity.create',
        collection: 'users',
        id,
        fields: { email, name: name.value, role: c.role, status: 'invited', createdAt: now },
      },
    ],
    id,
  );
};

export const planSetRole: Planner<Of<'user.setRole'>> = ({ state }, c) => {
  const user = findUser(state, c.userId);
  if (isFailure(user)) return user;
  if (!ROLES.includes(c.role)) return fail('invalid-input', 'Role must be admin, builder or end-user');
  if (user.role === c.role)
    return fail('nothing-to-change', `The user is already ${c.role === 'end-user' ? 'an' : 'a'} ${c.role}`);
  if (user.role === 'admin') {
    const keeps = checkKeepsAnAdmin(state, user.id);
    if (!keeps.ok) return keeps;
  }
  const ops: Op[] = groupsToLeave(state, user.id, c.role).map((g) => ({
    type: 'member.remove',
    groupId: g.id,
    userId: user.id,
  }));
  ops.push({ type: 'entity.set', collection: 'users', id: user.id, fields: { role: c.role } });
  return draft(ops);
};

export const planArchive: Planner<Of<'user.archive'>> = ({ state }, c) => {
  const user = findUser(state, c.userId);
  if (isFailure(user)) return user;
  if (user.status === 'archived') return fail('user-archived', 'The user is already archived');
  const keeps = checkKeepsAnAdmin(state, user.id, 'archive');
  if (!keeps.ok) return keeps;
  return draft([{ type: 'entity.set', collection: 'users', id: user.id, fields: { status: 'archived' } }]);
};

export const planRestore: Planner<Of<'user.restore'>> = ({ state }, c) => {
  const user = findUser(state, c.userId);
  if (isFailure(user)) return user;
  if (user.status !== 'archived') return fail('user-not-archived', 'The user is not archived');
  // A user who never accepted the invitation goes back to invited: restoring never activates an account.
  const status = user.activatedAt === undefined ? 'invited' : 'active';
  return draft([{ type: 'entity.set', collection: 'users', id: user.id, fields: { status } }]);
};

export const planActivate: Planner<Of<'user.activate'>> = ({ state, now }, c) => {
  const user = findUser(state, c.userId);
  if (isFailure(user)) return user;
  if (user.status === 'archived') return fail('user-archived', 'The user is archived');
  if (user.status === 'active') return fail('nothing-to-change', 'The user is already active');
  return draft([
    { type: 'entity.set', collection: 'users', id: user.id, fields: { status: 'active', activatedAt: now } },
  ]);
};

export const planRenameUser: Planner<Of<'user.rename'>> = ({ state }, c) => {
  const user = findUser(state, c.userId);
  if (isFailure(user)) return user;
  const name = checkUserName(c.name);
  if (!name.ok) return name;
  return draft([{ type: 'entity.set', collection: 'users', id: user.id, fields: { name: name.value } }]);
};
