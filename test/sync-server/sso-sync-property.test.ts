/**
 * Property: any interleaving of SSO sign-ins (random mappings, confirmed or not, random IdP groups) and
 * manual membership edits, planned by core exactly as the server runs them, keeps the source rules — a
 * sign-in never changes a membership of another source nor any membership of an unmapped group, never
 * lowers a role (so never the last admin's), upgrades only through a confirmed mapping, and leaves the
 * user with the connection's membership exactly in the mapped groups the IdP lists (unless held).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Command, plan, roleRank, type WorkspaceState } from '../../core/index.ts';
import { ssoSource, syncSteps } from '../../sync-server/identity/oidc/sso-group-sync.ts';
import type { SsoGroupMapping } from '../../sync-server/storage/sso-store.ts';
import { createBaseWorkspace } from '../fixtures/replicas.ts';

const base = createBaseWorkspace();
const GROUPS = [...base.state.groups.values()].filter((g) => g.kind === 'custom').map((g) => g.id);
const USERS = Object.values(base.users);
const IDP = ['Eng', 'Ops', 'Sales', 'Admins'];
const CONNECTION = 'c1';
const NOW = 1_900_000_000_000;

const mapping = fc.record({
  idpGroup: fc.constantFrom(...IDP),
  groupId: fc.constantFrom(...GROUPS),
  role: fc.constantFrom(null, 'builder' as const, 'admin' as const),
  confirmed: fc.boolean(),
});
const event = fc.oneof(
  fc.record({
    kind: fc.constant('sign-in' as const),
    user: fc.constantFrom(...USERS),
    groups: fc.subarray(IDP),
  }),
  fc.record({
    kind: fc.constantFrom('add' as const, 'remove' as const),
    user: fc.constantFrom(...USERS),
    group: fc.constantFrom(...GROUPS),
  }),
);

/** Every membership of the state as `group user source` lines. */
const memberships = (s: WorkspaceState, keep: (groupId: string, source: string) => boolean) => {
  const out: string[] = [];
  for (const g of s.groups.values())
    for (const [u, held] of g.memberships)
      for (const m of held) if (keep(g.id, m.source)) out.push(`${g.id} ${u} ${m.source}`);
  return out.sort();
};
const activeAdmins = (s: WorkspaceState) =>
  [...s.users.values()].filter((u) => u.role === 'admin' && u.status === 'active').length;

function apply(s: WorkspaceState, command: Command): WorkspaceState {
  const p = plan(s, command, { now: NOW });
  return p.ok ? p.value.after : s;
}

describe('SSO group sync, property', () => {
  it('keeps the source rules through any interleaving of sign-ins and manual edits', () => {
    fc.assert(
      fc.property(fc.array(mapping, { maxLength: 6 }), fc.array(event, { maxLength: 12 }), (raw, events) => {
        const mappings: SsoGroupMapping[] = raw.map((m) => ({
          idpGroup: m.idpGroup,
          groupId: m.groupId,
          role: m.role,
          confirmedBy: m.confirmed ? 'admin' : null,
          confirmedAt: m.confirmed ? NOW : null,
        }));
        const connection = { id: CONNECTION, mappings };
        const mapped = new Set(mappings.map((m) => m.groupId));
        const own = ssoSource(CONNECTION);
        let s = base.state;
        for (const e of events) {
          if (e.kind === 'add') {
            s = apply(s, {
              type: 'group.addMembers',
              groupId: e.group,
              userIds: [e.user],
              allowRoleChange: true,
            });
            continue;
          }
          if (e.kind !== 'sign-in') {
            s = apply(s, { type: 'group.removeMember', groupId: e.group, userId: e.user, source: 'manual' });
            continue;
          }
          const before = s;
          const listed = e.groups;
          for (const step of syncSteps(s, connection, e.user, listed)) s = apply(s, step.command);
          // Other sources' memberships, and unmapped groups, are untouched.
          const others = (g: string, src: string) => src !== own || !mapped.has(g);
          expect(memberships(s, others)).toEqual(memberships(before, others));
          // No role is lowered, no admin lost.
          for (const [id, u] of s.users)
            expect(roleRank(u.role)).toBeGreaterThanOrEqual(roleRank(before.users.get(id)!.role));
          expect(activeAdmins(s)).toBeGreaterThanOrEqual(activeAdmins(before));
          // A raised role came through a confirmed mapping the IdP lists.
          const u0 = before.users.get(e.user)!;
          const u1 = s.users.get(e.user)!;
          const matched = mappings.filter((m) => listed.includes(m.idpGroup));
          if (roleRank(u1.role) > roleRank(u0.role))
            expect(matched.some((m) => m.confirmedBy !== null)).toBe(true);
          // The connection's memberships of an active user are exactly the listed mapped groups (or held).
          if (u0.status !== 'active') continue;
          for (const g of mapped) {
            const group = s.groups.get(g)!;
            const has = group.memberships.get(e.user)?.some((m) => m.source === own) ?? false;
            const wanted = matched.some((m) => m.groupId === g);
            if (!wanted) expect(has).toBe(false);
            else if (!has) expect(matched.some((m) => m.groupId === g && m.confirmedBy !== null)).toBe(false);
          }
        }
      }),
      { numRuns: 80 },
    );
  });
});
