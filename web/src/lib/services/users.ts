/** User mutations: role change (always previewed), archive, restore, invite (server), CSV import rows. */
import {
  identityFor,
  isValidEmail,
  ROLE_LABELS,
  ROLES,
  type Role,
  type User,
  type WorkspaceState,
} from '../../../../core/index.ts';
import { confirmations } from '../state/confirm.svelte.ts';
import { toasts } from '../state/toasts.svelte.ts';
import { workspace } from '../state/workspace.svelte.ts';
import { api } from './api.ts';
import { handleError } from './handle-error.ts';
import { preview, run } from './mutate.ts';

/** Changes a role after showing its impact (downgrades list the groups the user leaves first). */
async function setRole(user: User, role: Role): Promise<boolean> {
  const planned = preview({ type: 'user.setRole', userId: user.id, role, allowRoleChange: true });
  if (!planned.ok) {
    handleError(planned.error);
    return false;
  }
  const ok = await confirmations.ask({
    title: `Change role of ${user.email}`,
    message: `${ROLE_LABELS[user.role]} → ${ROLE_LABELS[role]}. Review the changes before confirming.`,
    impact: planned.value.impact,
    confirmLabel: 'Change role',
  });
  if (!ok) return false;
  await workspace.commit(planned.value, `Change role of ${user.email} to ${ROLE_LABELS[role]}`);
  toasts.success('Role updated');
  return true;
}

export interface ImportRow {
  readonly line: number;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly error: string | null;
}

/**
 * Validates CSV rows (`email,name,role`; a header row is skipped) with core's email format and identity
 * rules (what `user.invite` checks). Pure, for tests.
 */
export function checkImportRows(state: WorkspaceState, rows: readonly (readonly string[])[]): ImportRow[] {
  const seen = new Set<string>();
  const out: ImportRow[] = [];
  rows.forEach((r, i) => {
    const [rawEmail = '', rawName = '', rawRole = ''] = r.map((f) => f.trim());
    if (i === 0 && rawEmail.toLowerCase() === 'email') return;
    const email = rawEmail.toLowerCase();
    const roleKey = rawRole
      .toLowerCase()
      .replace(/[\s_]+/g, '-')
      .replace(/^end-users$/, 'end-user');
    const role = (ROLES as readonly string[]).includes(roleKey)
      ? (roleKey as Role)
      : roleKey === ''
        ? 'end-user'
        : null;
    let error: string | null = null;
    if (!isValidEmail(email)) error = 'Invalid email';
    else if (identityFor(state, email)) error = 'User already exists';
    else if (seen.has(email)) error = 'Duplicate email in the file';
    else if (role === null) error = `Unknown role “${rawRole}” (use Admin, Builder or End-user)`;
    seen.add(email);
    out.push({
      line: i + 1,
      email,
      name: rawName || email.split('@')[0] || email,
      role: role ?? 'end-user',
      error,
    });
  });
  return out;
}

export const userService = {
  setRole,
  archive: (user: User) =>
    run(
      { type: 'user.archive', userId: user.id },
      { summary: `Archive ${user.email}`, success: 'User archived' },
    ),
  restore: (user: User) =>
    run(
      { type: 'user.restore', userId: user.id },
      { summary: `Restore ${user.email}`, success: 'User restored' },
    ),
  invite: (slug: string, email: string, name: string, role: Role) => api.invite(slug, { email, name, role }),
  /** A one-time link that lets `user` set a new password (server call; replaces any earlier link). */
  issuePasswordReset: (slug: string, user: User) => api.issuePasswordReset(slug, user.id),
  resetPassword: (token: string, password: string) => api.resetPassword(token, password),
};
