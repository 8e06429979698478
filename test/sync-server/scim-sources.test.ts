/**
 * Property: whatever two SCIM connections and an admin do to one group's members, in any order, each
 * connection's commands (scim-memberships.ts) add and remove only its own memberships — a member stays
 * while any source holds them, and what each connection reads back as its members is exactly what it put.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMembersCommand,
  connectionMembers,
  removeMemberCommand,
} from '../../sync-server/identity/scim/scim-memberships.ts';
import { createTestWorkspace } from '../fixtures/workspace.ts';

const SOURCES = ['manual', 'A', 'B'] as const;
type Source = (typeof SOURCES)[number];

const op = fc.record({
  source: fc.constantFrom(...SOURCES),
  add: fc.boolean(),
  user: fc.integer({ min: 0, max: 3 }),
});

describe('SCIM memberships and other sources', () => {
  it('a connection never removes a membership of another source', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const ws = createTestWorkspace();
        const users = [0, 1, 2, 3].map((i) => ws.user(`u${i}@nexus.test`));
        const groupId = ws.group('Support');
        const held: Record<Source, Set<string>> = { manual: new Set(), A: new Set(), B: new Set() };
        for (const { source, add, user } of ops) {
          const userId = users[user]!;
          const command =
            source === 'manual'
              ? add
                ? ({ type: 'group.addMembers', groupId, userIds: [userId] } as const)
                : ({ type: 'group.removeMember', groupId, userId, source: 'manual' } as const)
              : add
                ? addMembersCommand(groupId, [userId], source, false)
                : removeMemberCommand(groupId, userId, source);
          const r = ws.run(command);
          // Adding what is held and removing what is not are refused; nothing else is.
          expect(r.ok).toBe(add ? !held[source].has(userId) : held[source].has(userId));
          if (add) held[source].add(userId);
          else held[source].delete(userId);
          const group = ws.state().groups.get(groupId)!;
          const everyone = new Set([...held.manual, ...held.A, ...held.B]);
          expect([...group.members].sort()).toEqual([...everyone].sort());
          expect([...connectionMembers(group, 'A')].sort()).toEqual([...held.A].sort());
          expect([...connectionMembers(group, 'B')].sort()).toEqual([...held.B].sort());
        }
      }),
      { numRuns: 150 },
    );
  });
});
