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
import { preview, run, savedWhere } from './mutate.ts';

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
  if (!(await workspace.commit(planned.value, `Change role of ${user.email} to ${ROLE_LABELS[role]}`)))
    return false;
  toasts.success(savedWhere('Role updated'));
  return true;
}

export interface ImportRow {
  readonly line: number;
  readonly email: string;
  readonly name: string;
  /** The role to invite with; null when the file's role is not one (the row is refused). */
  readonly role: Role | null;
  /** What the Role column shows: the role's label, or the file's text when it is not a role. */
  readonly roleText: string;
  /** Every reason the row is refused, joined; null when it can be imported. */
  readonly error: string | null;
}

function roleFrom(raw: string): Role | null {
  const key = raw
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/^end-users$/, 'end-user');
  if (key === '') return 'end-user';
  return (ROLES as readonly string[]).includes(key) ? (key as Role) : null;
}

/**
 * Validates CSV rows (`email,name,role`; a header row is skipped) with core's email format and identity
 * rules (what `user.invite` checks). A row is shown as it will be treated: an unknown role is shown as
 * written and refused, never read as End-user. Pure, for tests.
 */
export function checkImportRows(state: WorkspaceState, rows: readonly (readonly string[])[]): ImportRow[] {
  const seen = new Set<string>();
  const out: ImportRow[] = [];
  rows.forEach((r, i) => {
    const [rawEmail = '', rawName = '', rawRole = ''] = r.map((f) => f.trim());
    if (i === 0 && rawEmail.toLowerCase() === 'email') return;
    const email = rawEmail.toLowerCase();
    const role = roleFrom(rawRole);
    const errors: string[] = [];
    if (!isValidEmail(email)) errors.push('Invalid email');
    else if (identityFor(state, email)) errors.push('User already exists');
    else if (seen.has(email)) errors.push('Duplicate email in the file');
    if (role === null) errors.push(`Unknown role “${rawRole}” (use Admin, Builder or End-user)`);
    seen.add(email);
    out.push({
      line: i + 1,
      email,
      name: rawName || email.split('@')[0] || email,
      role,
      roleText: role === null ? rawRole : ROLE_LABELS[role],
      error: errors.length ? errors.join('; ') : null,
    });
  });
  return out;
}

export const userService = {
  setRole,
  /** Archives at once, with Undo (restores) in the toast for a few seconds. */
  archive: (user: User) =>
    run(
      { type: 'user.archive', userId: user.id },
      {
        summary: `Archive ${user.email}`,
        success: `${user.email} archived`,
        undo: {
          command: { type: 'user.restore', userId: user.id },
          summary: `Restore ${user.email}`,
          success: `${user.email} restored`,
        },
      },
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
