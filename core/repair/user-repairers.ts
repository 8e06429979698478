/** Repairers of users: one user per email (concurrent invites) and at least one active admin (rule 6). */
import { ROLE_LABELS, type User } from '../model.ts';
import { identityFor } from '../rules/identity.ts';
import { activeAdmins } from '../rules/roles.ts';
import { byAge, type ConflictCause, type Repairer, sortedByAge, userRef } from './repair-step.ts';

/** One unarchived user per email: the email's identity (rules/identity.ts) stays, the others are archived. */
export const duplicateEmails: Repairer = (step) => {
  const { state } = step;
  const byEmail = new Map<string, User[]>();
  for (const u of sortedByAge(state.users.values()))
    if (u.status !== 'archived') byEmail.set(u.email, [...(byEmail.get(u.email) ?? []), u]);
  for (const [email, users] of byEmail) {
    const keep = users.length > 1 ? identityFor(state, email) : null;
    if (!keep) continue;
    const rest = users.filter((u) => u !== keep);
    for (const u of rest)
      step.op({ type: 'entity.set', collection: 'users', id: u.id, fields: { status: 'archived' } });
    step.record(
      `${email} was invited twice at once`,
      [userRef(keep), ...rest.map(userRef)],
      `Kept ${keep.status === 'active' ? 'the user who accepted' : 'the first invitation'} and archived the other ${rest.length}`,
      [keep, ...rest].map((u) => ({
        entityId: u.id,
        fields: ['(created)', 'email'],
        text: `Invited ${u.email}`,
      })),
    );
  }
};

/** At least one active admin: restore an admin the merge took away (the oldest of those before it). */
export const activeAdmin: Repairer = (step) => {
  const { state, merged, previous } = step;
  if (state.users.size === 0 || activeAdmins(state).length > 0) return;
  const candidates = previous ? activeAdmins(previous) : [];
  if (candidates.length === 0)
    for (const u of merged.users.values())
      if (u.role === 'admin' && u.status === 'archived') candidates.push(u);
  // Never a duplicate that an earlier repairer archived.
  const archivedByRepair = (id: string) =>
    state.users.get(id)?.status === 'archived' && merged.users.get(id)?.status !== 'archived';
  const pick = candidates.filter((u) => state.users.has(u.id) && !archivedByRepair(u.id)).sort(byAge)[0];
  if (!pick) return;
  step.op({
    type: 'entity.set',
    collection: 'users',
    id: pick.id,
    fields: { role: 'admin', status: 'active' },
  });
  // The edits that met: each that took an active admin away (a role change or an archive).
  const causes: ConflictCause[] = [];
  for (const u of previous ? activeAdmins(previous) : []) {
    const now = state.users.get(u.id);
    if (!now) continue;
    if (now.role !== 'admin')
      causes.push({
        entityId: u.id,
        fields: ['role'],
        text: `${u.email}: role Admin → ${ROLE_LABELS[now.role]}`,
      });
    else if (now.status === 'archived')
      causes.push({ entityId: u.id, fields: ['status'], text: `${u.email}: Active → Archived` });
  }
  step.record(
    'Concurrent changes left the workspace without an active admin',
    [userRef(pick)],
    `Restored ${pick.name || pick.email} as an active admin`,
    causes,
  );
};
