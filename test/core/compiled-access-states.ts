/**
 * Random workspace states for the compiled-access properties: small pools of ids so users share emails
 * and groups share resources, with every rule-breaking part a merge can leave (End-users in builder-level
 * groups, duplicate emails, default groups holding grants they may not hold, grants naming deleted or
 * unknown resources, deleted grants and groups). States are plain objects, as readState returns them.
 */
import fc from 'fast-check';
import {
  type App,
  type DataSource,
  FLAGS,
  type Flags,
  type Grant,
  type Group,
  NO_FLAGS,
  ROLES,
  USER_STATUSES,
  type User,
  type WorkspaceState,
} from '../../core/index.ts';

export const APP_IDS = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'] as const;
export const DS_IDS = ['d0', 'd1', 'd2'] as const;
export const USER_IDS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'] as const;
const EMAILS = ['ada@x.io', 'bob@x.io', 'cy@x.io', 'dee@x.io', 'eve@x.io'] as const;

const deleted = fc.option(fc.constant(5), { freq: 5 });

export const flagsArb: fc.Arbitrary<Flags> = fc
  .subarray([...FLAGS], { maxLength: 2 })
  .map((on) => Object.freeze({ ...NO_FLAGS, ...Object.fromEntries(on.map((f) => [f, true])) }));

export function grantArb(id: string): fc.Arbitrary<Grant> {
  return fc
    .record({
      resourceType: fc.constantFrom('app' as const, 'dataSource' as const),
      scope: fc.constantFrom('all' as const, 'custom' as const, 'custom' as const),
      high: fc.boolean(),
      hideFromDashboard: fc.boolean(),
      apps: fc.subarray([...APP_IDS, 'ghost']),
      dataSources: fc.subarray([...DS_IDS, 'ghost']),
      deletedAt: fc.option(fc.constant(7), { freq: 6 }),
    })
    .map((r) => ({
      id,
      name: id,
      resourceType: r.resourceType,
      scope: r.scope,
      resourceIds: r.scope === 'all' ? [] : r.resourceType === 'app' ? r.apps : r.dataSources,
      level: r.resourceType === 'app' ? (r.high ? 'edit' : 'view') : r.high ? 'configure' : 'use',
      hideFromDashboard: r.hideFromDashboard,
      createdAt: 1,
      ...(r.deletedAt !== null ? { deletedAt: r.deletedAt } : {}),
    }));
}

function grantsArb(prefix: string): fc.Arbitrary<ReadonlyMap<string, Grant>> {
  return fc
    .integer({ min: 0, max: 3 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => grantArb(`${prefix}-g${i}`))))
    .map((gs) => new Map(gs.map((g) => [g.id, g])));
}

const userArb = (id: string): fc.Arbitrary<User> =>
  fc
    .record({
      email: fc.constantFrom(...EMAILS),
      role: fc.constantFrom(...ROLES),
      status: fc.constantFrom(...USER_STATUSES, 'active'),
      createdAt: fc.integer({ min: 0, max: 3 }),
    })
    .map((r) => ({ id, name: id, ...r }));

const customGroupArb = (id: string): fc.Arbitrary<Group> =>
  fc
    .record({
      flags: fc.oneof(fc.constant(NO_FLAGS), flagsArb),
      members: fc.subarray([...USER_IDS, 'ghost']),
      grants: grantsArb(id),
      deletedAt: deleted,
    })
    .map((r) => ({
      id,
      name: id,
      kind: 'custom' as const,
      flags: r.flags,
      members: new Set(r.members),
      memberships: new Map(r.members.map((m) => [m, [{ source: 'manual' as const }]])),
      grants: r.grants,
      createdAt: 2,
      ...(r.deletedAt !== null ? { deletedAt: r.deletedAt } : {}),
    }));

/** A stored default group: possibly with flags and grants it may not hold (merged from old replicas). */
const defaultGroupArb = (id: string): fc.Arbitrary<Group> =>
  fc
    .record({ role: fc.constantFrom(...ROLES), flags: flagsArb, grants: grantsArb(id), createdAt: fc.nat(2) })
    .map((r) => ({
      id,
      name: id,
      kind: 'default' as const,
      role: r.role,
      flags: r.flags,
      members: new Set<string>(),
      memberships: new Map(),
      grants: r.grants,
      createdAt: r.createdAt,
    }));

function entities<T extends { id: string }>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((e) => [e.id, e]));
}

export const stateArb: fc.Arbitrary<WorkspaceState> = fc
  .record({
    users: fc.subarray([...USER_IDS], { minLength: 1 }).chain((ids) => fc.tuple(...ids.map(userArb))),
    defaults: fc.subarray(['dg0', 'dg1', 'dg2', 'dg3']).chain((ids) => fc.tuple(...ids.map(defaultGroupArb))),
    custom: fc.subarray(['c0', 'c1', 'c2', 'c3', 'c4']).chain((ids) => fc.tuple(...ids.map(customGroupArb))),
    apps: fc
      .subarray([...APP_IDS])
      .chain((ids) => fc.tuple(...ids.map((id) => deleted.map((d): App => appOf(id, d))))),
    dataSources: fc
      .subarray([...DS_IDS])
      .chain((ids) => fc.tuple(...ids.map((id) => deleted.map((d): DataSource => dataSourceOf(id, d))))),
  })
  .map((r) => ({
    version: 1,
    meta: { name: 'W', slug: 'w' },
    users: entities(r.users),
    groups: entities([...r.defaults, ...r.custom]),
    apps: entities(r.apps),
    dataSources: entities(r.dataSources),
    conflicts: new Map(),
  }));

export function appOf(id: string, deletedAt: number | null, name = id): App {
  return { id, name, slug: id, urlPatterns: [], createdAt: 1, ...(deletedAt !== null ? { deletedAt } : {}) };
}

export function dataSourceOf(id: string, deletedAt: number | null): DataSource {
  return { id, name: id, kind: 'postgres', createdAt: 1, ...(deletedAt !== null ? { deletedAt } : {}) };
}
