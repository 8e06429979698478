/**
 * Compiled access (core/access/compiled-*.ts) decides exactly what computeAccess and explain decide, for
 * random states with every rule-breaking part a merge leaves, and stays exact when updated incrementally
 * over random one-field edits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCompiled, type CompiledAccess, hasFlag } from '../../core/access/compiled-access.ts';
import { type ChangedIds, changedIds, compiledAccess } from '../../core/access/compiled-update.ts';
import {
  computeAccess,
  explain,
  FLAGS,
  type Grant,
  type Group,
  RESOURCE_TYPES,
  ROLES,
  USER_STATUSES,
  type User,
  type WorkspaceState,
} from '../../core/index.ts';
import {
  APP_IDS,
  appOf,
  DS_IDS,
  dataSourceOf,
  grantArb,
  stateArb,
  USER_IDS,
} from './compiled-access-states.ts';

const RUNS = Math.max(300, Number(process.env.PROPERTY_RUNS ?? 300));

/** Every difference between the compiled form and computeAccess (and explain, for apps) over a state. */
function mismatches(state: WorkspaceState, compiled: CompiledAccess, withExplain = false): string[] {
  const out: string[] = [];
  const res = compiled.resources;
  if (compiled.user('ghost') !== null) out.push('ghost user has access');
  for (const user of state.users.values()) {
    const ua = computeAccess(state, user.id)!;
    const ca = compiled.user(user.id)!;
    if (ca.hasAccess !== ua.hasAccess) out.push(`${user.id}: hasAccess ${ca.hasAccess} ≠ ${ua.hasAccess}`);
    if (ca.user.status !== ua.user.status)
      out.push(`${user.id}: status ${ca.user.status} ≠ ${ua.user.status}`);
    // A decision reads the same before the dense vectors exist (groups' codes) and after (vector[i]).
    const combined = res.apps.map((_, i) => ca.appCode(i));
    if (ca.apps.some((code, i) => code !== combined[i])) out.push(`${user.id}: dense vector ≠ groups' codes`);
    for (const f of FLAGS)
      if (hasFlag(ca.flags, f) !== (ua.hasAccess && ua.flags[f])) out.push(`${user.id}: flag ${f}`);
    for (const type of RESOURCE_TYPES) {
      const list = type === 'app' ? res.apps : res.dataSources;
      const pool = type === 'app' ? state.apps : state.dataSources;
      const live = [...pool.values()].filter((r) => r.deletedAt === undefined).map((r) => r.id);
      if (list.map((r) => r.id).join() !== live.join()) out.push(`${type} index ${list.map((r) => r.id)}`);
      for (const { id } of list) {
        const want = ua.hasAccess ? ua.resource(type, id) : { level: null, hidden: false };
        const level = compiled.level(user.id, type, id);
        const hidden = compiled.hidden(user.id, type, id);
        if (level !== want.level || hidden !== want.hidden)
          out.push(`${user.id} ${id}: ${level}/${hidden} ≠ ${want.level}/${want.hidden}`);
        if (withExplain && type === 'app') {
          const x = explain(state, user.id, { type, id })!;
          if (x.level !== level || (level !== null && x.hidden !== hidden))
            out.push(`${user.id} ${id}: explain ${x.level}/${x.hidden} ≠ ${level}/${hidden}`);
        }
      }
    }
  }
  return out;
}

describe('compiled access', () => {
  it('decides what computeAccess and explain decide, on random states', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        expect(mismatches(state, buildCompiled(state), true)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives admins Edit on every app and every flag, archived users nothing', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const c = buildCompiled(state);
        for (const u of state.users.values()) {
          const a = c.user(u.id)!;
          if (!a.hasAccess) expect([...a.apps, ...a.dataSources].every((code) => code === 0)).toBe(true);
          else if (u.role === 'admin') {
            expect(c.resources.apps.every((app) => c.level(u.id, 'app', app.id) === 'edit')).toBe(true);
            expect(FLAGS.every((f) => hasFlag(a.flags, f))).toBe(true);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

/** One edit of one entity (a field, a membership, a grant), as a new state sharing everything else. */
type Edit = (s: WorkspaceState) => { state: WorkspaceState; changed: ChangedIds };

function withEntity<K extends 'users' | 'groups' | 'apps' | 'dataSources'>(
  s: WorkspaceState,
  collection: K,
  id: string,
  value: (WorkspaceState[K] extends ReadonlyMap<string, infer V> ? V : never) | undefined,
): { state: WorkspaceState; changed: ChangedIds } {
  const map = new Map(s[collection] as ReadonlyMap<string, unknown>);
  if (value === undefined) map.delete(id);
  else map.set(id, value);
  const none = new Set<string>();
  const changed = { users: none, groups: none, apps: none, dataSources: none, [collection]: new Set([id]) };
  return { state: { ...s, version: s.version + 1, [collection]: map }, changed };
}

const pickOf = <T>(list: readonly T[], n: number): T => list[n % list.length]!;

function editOf(kind: number, a: number, b: number, grant: Grant): Edit {
  return (s) => {
    const userId = pickOf(USER_IDS, a);
    const user = s.users.get(userId);
    const groups = [...s.groups.values()];
    const group: Group | undefined = groups.length > 0 ? pickOf(groups, a) : undefined;
    switch (kind) {
      case 0: {
        if (!user)
          return withEntity(s, 'users', userId, {
            id: userId,
            name: userId,
            email: 'new@x.io',
            role: 'end-user',
            status: 'active',
            createdAt: b % 4,
          });
        const fields: Partial<User>[] = [
          { role: pickOf(ROLES, b) },
          { status: pickOf(USER_STATUSES, b) },
          { email: pickOf(['ada@x.io', 'bob@x.io', 'zed@x.io'], b) },
          { name: `renamed ${b}` },
        ];
        return withEntity(s, 'users', userId, { ...user, ...pickOf(fields, b >> 2) });
      }
      case 1:
        return withEntity(s, 'users', userId, undefined);
      case 2: {
        if (!group) return withEntity(s, 'users', userId, user);
        const members = new Set(group.members);
        if (members.has(userId)) members.delete(userId);
        else members.add(userId);
        return withEntity(s, 'groups', group.id, { ...group, members });
      }
      case 3: {
        if (!group) return withEntity(s, 'users', userId, user);
        const f = pickOf(FLAGS, b);
        return withEntity(s, 'groups', group.id, {
          ...group,
          flags: { ...group.flags, [f]: !group.flags[f] },
        });
      }
      case 4: {
        if (!group) return withEntity(s, 'users', userId, user);
        const grants = new Map(group.grants);
        const id = b % 2 === 0 && grants.size > 0 ? pickOf([...grants.keys()], b) : `${group.id}-n${b}`;
        grants.set(id, { ...grant, id });
        return withEntity(s, 'groups', group.id, { ...group, grants });
      }
      case 5: {
        if (!group) return withEntity(s, 'users', userId, user);
        const { deletedAt: _d, ...live } = group;
        return withEntity(
          s,
          'groups',
          group.id,
          group.deletedAt === undefined ? { ...group, deletedAt: 9 } : live,
        );
      }
      case 6: {
        if (!group) return withEntity(s, 'users', userId, user);
        return withEntity(s, 'groups', group.id, { ...group, name: `${group.name}!` });
      }
      case 7: {
        const id = pickOf(APP_IDS, b);
        const app = s.apps.get(id);
        const next = !app
          ? appOf(id, null)
          : b % 3 === 0
            ? appOf(id, app.deletedAt === undefined ? 4 : null)
            : appOf(id, app.deletedAt ?? null, `${app.name}!`);
        return withEntity(s, 'apps', id, next);
      }
      default: {
        const id = pickOf(DS_IDS, b);
        const ds = s.dataSources.get(id);
        return withEntity(
          s,
          'dataSources',
          id,
          dataSourceOf(id, ds && ds.deletedAt === undefined ? 4 : null),
        );
      }
    }
  };
}

const editArb = fc
  .tuple(fc.nat(8), fc.nat(), fc.nat(), grantArb('x'), fc.nat(2), fc.subarray([...USER_IDS]))
  .map(([kind, a, b, grant, mode, readers]) => ({ edit: editOf(kind, a, b, grant), mode, readers }));

describe('compiled access, incremental', () => {
  it('stays what computeAccess decides over random one-entity edits (with or without hints, or none)', () => {
    fc.assert(
      fc.property(stateArb, fc.array(editArb, { minLength: 1, maxLength: 14 }), (s0, edits) => {
        let state = s0;
        let compiled = compiledAccess(state);
        for (const { edit, mode, readers } of edits) {
          for (const id of readers) compiled.user(id); // cached entries, inherited or invalidated next
          const next = edit(state);
          // The previous state and what changed; the previous state only; nothing (the last compiled).
          compiled =
            mode === 0
              ? compiledAccess(next.state, state, next.changed)
              : mode === 1
                ? compiledAccess(next.state, state)
                : compiledAccess(next.state);
          state = next.state;
          expect(mismatches(state, compiled)).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('stays exact past the depth where versions are flattened (long chains of user and group edits)', () => {
    const groupEdit = fc
      .tuple(fc.constantFrom(0, 2, 2, 3, 4, 6), fc.nat(), fc.nat(), grantArb('y'), fc.subarray([...USER_IDS]))
      .map(([kind, a, b, grant, readers]) => ({ edit: editOf(kind, a, b, grant), readers }));
    fc.assert(
      fc.property(stateArb, fc.array(groupEdit, { minLength: 9, maxLength: 30 }), (s0, edits) => {
        let state = s0;
        let compiled = compiledAccess(state);
        for (const id of USER_IDS) compiled.user(id);
        for (const { edit, readers } of edits) {
          const next = edit(state);
          compiled = compiledAccess(next.state, state, next.changed);
          for (const id of readers) compiled.user(id);
          state = next.state;
        }
        expect(mismatches(state, compiled)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('finds what changed by identity', () => {
    fc.assert(
      fc.property(stateArb, editArb, (s0, { edit }) => {
        const next = edit(s0);
        const found = changedIds(s0, next.state);
        for (const c of ['users', 'groups', 'apps', 'dataSources'] as const)
          for (const id of found[c]) expect(next.changed[c].has(id)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps the vectors of users an edit did not touch', () => {
    fc.assert(
      fc.property(stateArb, (s0) => {
        fc.pre(s0.groups.size > 0);
        const c0 = compiledAccess(s0);
        for (const id of s0.users.keys()) c0.user(id);
        const renamed = editOf(6, 0, 0, null as unknown as Grant)(s0);
        const c1 = compiledAccess(renamed.state, s0, renamed.changed);
        for (const id of s0.users.keys()) expect(c1.user(id)).toBe(c0.user(id));
      }),
      { numRuns: 50 },
    );
  });
});
