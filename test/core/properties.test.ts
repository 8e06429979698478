/**
 * Property tests (issue 2 §6): three replicas apply random command sequences offline, then merge in random
 * orders. They converge; after repair every rule of SPEC §2 holds; access before repair is never above
 * access after it; an end-user never gains builder-level access without consent; the incremental reader
 * and the ops' preview agree with the doc.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  accessFor,
  accessIndex,
  applyOps,
  applyOpsToState,
  type Command,
  commit,
  conflictOps,
  FLAGS,
  type Group,
  type Impact,
  levelRank,
  matchApp,
  type Op,
  plan,
  readState,
  repair,
  type UserAccess,
  type WorkspaceState,
} from '../../core/index.ts';
import {
  createBaseWorkspace,
  LOCAL,
  normalizeState,
  REPLICA_EPOCH,
  Replica,
  runScenario,
  type Scenario,
  type ScenarioHooks,
  type ScenarioRun,
  type Step,
  scenarioArbitrary,
  syncPair,
} from '../fixtures/replicas.ts';

/** ≥ 200 in CI; raise locally with PROPERTY_RUNS=5000 for a deeper search. */
const RUNS = Math.max(200, Number(process.env.PROPERTY_RUNS ?? 200));
const TIMEOUT_MS = Math.max(60_000, RUNS * 200);
const base = createBaseWorkspace();
const scenarios = scenarioArbitrary();
const REPAIR_NOW = REPLICA_EPOCH + 1_000_000;

/** Runs a scenario, hands it to `check`, always releases the docs. */
function withScenario(sc: Scenario, check: (run: ScenarioRun) => void, hooks: ScenarioHooks = {}): void {
  const run = runScenario(base, sc, hooks);
  try {
    check(run);
  } finally {
    run.destroy();
  }
}

const rootsJson = (doc: Y.Doc) =>
  Object.fromEntries(
    ['meta', 'users', 'groups', 'apps', 'dataSources', 'conflicts'].map((n) => [n, doc.getMap(n).toJSON()]),
  );

// ---------------------------------------------------------------------------------------------------------
// The rules, restated independently of core (SPEC §2)

const RESERVED = ['admin', 'builder', 'end-user', 'end-users', 'all users'];
const norm = (name: string) => name.trim().toLowerCase();
const ROLE_RANK = { 'end-user': 0, builder: 1, admin: 2 } as const;

function builderLevel(g: Pick<Group, 'flags' | 'grants'>): boolean {
  if (FLAGS.some((f) => g.flags[f])) return true;
  for (const gr of g.grants.values())
    if (gr.deletedAt === undefined && (gr.resourceType === 'dataSource' || gr.level === 'edit')) return true;
  return false;
}

const isLiveIn = (m: ReadonlyMap<string, { deletedAt?: number | undefined }>, id: string) =>
  m.has(id) && m.get(id)?.deletedAt === undefined;

/** Every rule of SPEC §2 that a state can break, as readable failures (empty when all hold). */
function ruleViolations(s: WorkspaceState): string[] {
  const out: string[] = [];
  const names = new Set<string>();
  for (const g of s.groups.values()) {
    if (g.deletedAt !== undefined) {
      if (g.kind === 'custom' && g.members.size > 0) out.push(`deleted group ${g.id} has members`);
      continue;
    }
    const key = norm(g.name);
    if (names.has(key)) out.push(`group name “${g.name}” is not unique`);
    names.add(key);
    const grantNames = new Set<string>();
    for (const gr of g.grants.values()) {
      if (gr.deletedAt !== undefined) continue;
      if (grantNames.has(norm(gr.name))) out.push(`grant name “${gr.name}” twice in ${g.name}`);
      grantNames.add(norm(gr.name));
      if (gr.scope === 'custom')
        for (const id of gr.resourceIds)
          if (!isLiveIn(gr.resourceType === 'app' ? s.apps : s.dataSources, id))
            out.push(`grant ${gr.id} of ${g.name} names deleted or unknown ${gr.resourceType} ${id}`);
      if (g.role === 'builder' && gr.scope !== 'all') out.push(`Builder group grant ${gr.id} not scope all`);
      if (g.role === 'end-user' && !(gr.resourceType === 'app' && gr.level === 'view'))
        out.push(`End-user group grant ${gr.id} above View`);
    }
    if (g.kind === 'default') {
      if (g.role === 'end-user' && FLAGS.some((f) => g.flags[f])) out.push('End-user group has flags');
      continue;
    }
    if (g.name !== g.name.trim() || g.name.length < 1 || g.name.length > 50)
      out.push(`group name “${g.name}” not trimmed 1–50 characters`);
    if (RESERVED.includes(key)) out.push(`group name “${g.name}” is reserved`);
    const need = builderLevel(g) ? 1 : 0;
    for (const userId of g.members) {
      const u = s.users.get(userId);
      if (!u) out.push(`${g.name} lists unknown user ${userId}`);
      else if (ROLE_RANK[u.role] < need) out.push(`${u.role} ${u.email} in builder-level group ${g.name}`);
    }
  }
  return out;
}

const activeAdminCount = (s: WorkspaceState) =>
  [...s.users.values()].filter((u) => u.role === 'admin' && u.status === 'active').length;

/** The merged doc repaired the way the server does it: repair ops and conflict records in one change. */
function repairDoc(doc: Y.Doc, previous: WorkspaceState) {
  const merged = readState(doc);
  let n = 0;
  const result = repair(merged, { previous, now: REPAIR_NOW, newId: () => `conflict-${++n}` });
  const ops: Op[] = [...result.ops, ...conflictOps(result.conflicts)];
  let update: Uint8Array | null = null;
  const grab = (u: Uint8Array) => {
    update = u;
  };
  doc.on('update', grab);
  applyOps(doc, ops, 'server');
  doc.off('update', grab);
  const repaired = readState(doc);
  return { merged, result, ops, repaired, update: update as Uint8Array | null };
}

// ---------------------------------------------------------------------------------------------------------
// Access comparisons

interface AccessShape {
  readonly active: boolean;
  readonly role: number;
  readonly flags: readonly boolean[];
  readonly apps: ReadonlyMap<string, number>;
  readonly dataSources: ReadonlyMap<string, number>;
}

function shapeOf(a: UserAccess, s: WorkspaceState): AccessShape {
  const levels = (
    type: 'app' | 'dataSource',
    pool: ReadonlyMap<string, { deletedAt?: number | undefined }>,
  ) => {
    const out = new Map<string, number>();
    for (const [id, r] of pool)
      if (r.deletedAt === undefined) out.set(id, a.hasAccess ? levelRank(a.resource(type, id).level) : 0);
    return out;
  };
  return {
    active: a.hasAccess,
    role: ROLE_RANK[a.role],
    flags: FLAGS.map((f) => a.hasAccess && a.flags[f]),
    apps: levels('app', s.apps),
    dataSources: levels('dataSource', s.dataSources),
  };
}

/** Where `x` (before repair) grants more than `y` (after repair), on the resources live after repair. */
function excess(x: AccessShape, y: AccessShape): string[] {
  const out: string[] = [];
  if (x.active && !y.active) out.push('active');
  if (x.role > y.role) out.push(`role ${x.role} > ${y.role}`);
  FLAGS.forEach((f, i) => {
    if (x.flags[i] && !y.flags[i]) out.push(`flag ${f}`);
  });
  for (const [id, l] of y.apps) if ((x.apps.get(id) ?? 0) > l) out.push(`app ${id}`);
  for (const [id, l] of y.dataSources) if ((x.dataSources.get(id) ?? 0) > l) out.push(`data source ${id}`);
  return out;
}

/** Builder-level access (rule 3 applied to one user): role above End-user, any flag, Edit, any data source. */
function builderLevelAccess(s: WorkspaceState, userId: string): string[] {
  const a = accessFor(s, userId);
  if (!a) return [];
  const out: string[] = [];
  if (a.role !== 'end-user') out.push(`role ${a.role}`);
  if (!a.hasAccess) return out;
  for (const f of FLAGS) if (a.flags[f]) out.push(`flag ${f}`);
  for (const g of a.customGroups) if (builderLevel(g)) out.push(`member of builder-level ${g.name}`);
  const shape = shapeOf(a, s);
  for (const [id, l] of shape.apps) if (l >= 2) out.push(`Edit on app ${id}`);
  for (const [id, l] of shape.dataSources) if (l > 0) out.push(`data source ${id}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Impact (rule 9) against a full recomputation of every user's access before and after

const NONE = { level: null, hidden: false } as const;

function impactMismatches(
  before: WorkspaceState,
  after: WorkspaceState,
  impact: Impact,
  options: { strictStar?: boolean } = {},
): string[] {
  const out: string[] = [];
  const rows = new Map<string, Impact['accessChanges'][number]>();
  for (const row of impact.accessChanges)
    rows.set(`${row.userId}|${row.resourceType}|${row.resourceId}`, row);
  for (const u of after.users.values()) {
    const a0 = before.users.has(u.id) ? accessFor(before, u.id) : null;
    const a1 = accessFor(after, u.id);
    for (const type of ['app', 'dataSource'] as const) {
      const pool = type === 'app' ? after.apps : after.dataSources;
      const star = rows.get(`${u.id}|${type}|*`);
      // Resources a custom grant of the user names (before or after) get their own row when they change;
      // '*' covers the others and lists the unchanged named ones in `exceptIds` (see the regressions at the
      // end of this file).
      const except = (star as { exceptIds?: readonly string[] } | undefined)?.exceptIds ?? [];
      const named = new Set(
        options.strictStar
          ? except
          : [...(a0?.listed(type).keys() ?? []), ...(a1?.listed(type).keys() ?? []), ...except],
      );
      for (const r of pool.values()) {
        if (r.deletedAt !== undefined) continue;
        const x = a0?.hasAccess ? a0.resource(type, r.id) : NONE;
        const y = a1?.hasAccess ? a1.resource(type, r.id) : NONE;
        const actual =
          x.level === y.level && x.hidden === y.hidden
            ? 'unchanged'
            : `${x.level}/${x.hidden}->${y.level}/${y.hidden}`;
        const row = rows.get(`${u.id}|${type}|${r.id}`) ?? (named.has(r.id) ? undefined : star);
        const shown =
          row && (row.before !== row.after || row.hiddenBefore !== row.hiddenAfter)
            ? `${row.before}/${row.hiddenBefore}->${row.after}/${row.hiddenAfter}`
            : 'unchanged';
        if (shown !== actual)
          out.push(`${u.email} ${type} ${r.name}: impact says ${shown}, actually ${actual}`);
      }
    }
  }
  const builders = (s: WorkspaceState) =>
    [...s.users.values()].filter((u) => u.role === 'builder' && u.status !== 'archived').length;
  if (impact.builderDelta !== builders(after) - builders(before))
    out.push(`builderDelta ${impact.builderDelta}, actually ${builders(after) - builders(before)}`);
  const memberships = (s: WorkspaceState) => {
    const set = new Set<string>();
    for (const g of s.groups.values())
      if (g.kind === 'custom' && g.deletedAt === undefined)
        for (const m of g.members) set.add(`${m}|${g.id}`);
    return set;
  };
  const m0 = memberships(before);
  const m1 = memberships(after);
  const removed = [...m0].filter((k) => !m1.has(k)).sort();
  const added = [...m1].filter((k) => !m0.has(k)).sort();
  const listed = (xs: readonly { userId: string; groupId: string }[]) =>
    xs.map((x) => `${x.userId}|${x.groupId}`).sort();
  if (listed(impact.membershipsRemoved).join() !== removed.join())
    out.push(`membershipsRemoved ${listed(impact.membershipsRemoved)}, actually ${removed}`);
  if (listed(impact.membershipsAdded).join() !== added.join())
    out.push(`membershipsAdded ${listed(impact.membershipsAdded)}, actually ${added}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------

describe('properties: three offline replicas', () => {
  it(
    '1. converge to identical state in every delivery order',
    () => {
      fc.assert(
        fc.property(scenarios, (sc) =>
          withScenario(sc, ({ replicas }) => {
            const [first, ...rest] = replicas as [Replica, ...Replica[]];
            const sv = Y.encodeStateVector(first.doc);
            const json = rootsJson(first.doc);
            const state = normalizeState(readState(first.doc));
            for (const r of rest) {
              expect(Y.encodeStateVector(r.doc)).toEqual(sv);
              expect(rootsJson(r.doc)).toEqual(json);
              expect(normalizeState(readState(r.doc))).toEqual(state);
            }
            for (const r of replicas) {
              expect(r.doc.store.pendingStructs).toBeNull();
              expect(normalizeState(r.state())).toEqual(state);
            }
          }),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    '2. after repair every rule of SPEC §2 holds, the repair converges and is idempotent',
    () => {
      fc.assert(
        fc.property(scenarios, (sc) =>
          withScenario(sc, ({ replicas }) => {
            const [server, ...clients] = replicas as [Replica, ...Replica[]];
            const { merged, ops, repaired, update } = repairDoc(server.doc, base.state);
            expect(ruleViolations(repaired)).toEqual([]);
            expect(activeAdminCount(repaired)).toBeGreaterThanOrEqual(1);
            // What the server previews is what the doc holds.
            expect(normalizeState(applyOpsToState(merged, ops))).toEqual(normalizeState(repaired));
            // Idempotent: the repaired state needs no further repair.
            const again = repair(repaired, { previous: base.state, now: REPAIR_NOW + 1 });
            expect(again.ops).toEqual([]);
            expect(again.conflicts).toEqual([]);
            // Every replica gets the same result from the server's change.
            if (update) for (const c of clients) c.receive(update);
            for (const c of clients)
              expect(normalizeState(readState(c.doc))).toEqual(normalizeState(repaired));
          }),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    '3. access before repair is never above access after it; no upgrade without consent',
    () => {
      fc.assert(
        fc.property(scenarios, (sc) =>
          withScenario(sc, ({ replicas, consented }) => {
            const [server] = replicas as [Replica, ...Replica[]];
            const { merged, result, repaired } = repairDoc(server.doc, base.state);
            const restored = new Set(
              result.conflicts
                .filter((c) => c.code === 'no-active-admin')
                .flatMap((c) => c.entities.map((e) => e.id)),
            );
            for (const user of merged.users.values()) {
              if (restored.has(user.id)) continue;
              const before = accessFor(merged, user.id);
              const after = accessFor(repaired, user.id);
              if (!before || !after) throw new Error(`no access for ${user.id}`);
              expect({
                user: user.email,
                excess: excess(shapeOf(before, repaired), shapeOf(after, repaired)),
              }).toEqual({
                user: user.email,
                excess: [],
              });
            }
            for (const user of repaired.users.values()) {
              if (consented.has(user.id)) continue;
              expect({ user: user.email, merged: builderLevelAccess(merged, user.id) }).toEqual({
                user: user.email,
                merged: [],
              });
              expect({ user: user.email, repaired: builderLevelAccess(repaired, user.id) }).toEqual({
                user: user.email,
                repaired: [],
              });
            }
          }),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    '4. the incremental reader and the ops preview agree with a fresh read of the doc',
    () => {
      const checkReader = (r: Replica) =>
        expect(normalizeState(r.state())).toEqual(normalizeState(readState(r.doc)));
      const checkStep = (r: Replica, step: Step, phase: 'A' | 'B') => {
        const fresh = normalizeState(readState(r.doc));
        expect(normalizeState(step.after)).toEqual(fresh);
        if (!step.result.ok) {
          expect(step.after).toBe(step.before);
          return;
        }
        const planned = step.result.value;
        expect(normalizeState(applyOpsToState(step.before, planned.ops))).toEqual(fresh);
        expect(normalizeState(planned.after)).toEqual(fresh);
        // The impact names exactly the role changes the command makes, and only with consent (rule 4).
        const changed = [...step.after.users.values()]
          .filter((u) => step.before.users.get(u.id) && step.before.users.get(u.id)?.role !== u.role)
          .map((u) => `${u.id}:${step.before.users.get(u.id)?.role}->${u.role}`)
          .sort();
        expect(planned.impact.roleChanges.map((c) => `${c.userId}:${c.from}->${c.to}`).sort()).toEqual(
          changed,
        );
        if (changed.length > 0) expect(step.command.allowRoleChange).toBe(true);
        expect(impactMismatches(step.before, step.after, planned.impact)).toEqual([]);
        // Before any merge a replica's state keeps every rule on its own: repair finds nothing to do, given
        // the state before the change as the server gives it (one replica may restore, add and archive a user).
        if (phase === 'A') {
          expect(ruleViolations(step.after)).toEqual([]);
          expect(repair(step.after, { previous: step.before, now: REPAIR_NOW }).ops).toEqual([]);
        }
      };
      fc.assert(
        fc.property(scenarios, (sc) =>
          withScenario(
            sc,
            ({ replicas }) => {
              for (const r of replicas) checkReader(r);
            },
            { step: checkStep, received: checkReader },
          ),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    '4b. the incremental reader stays exact over long sequences that create many entities',
    () => {
      // Long enough for the reader's overlay maps to pass their flattening threshold (64 changed entries).
      let flattened = 0;
      const kind = fc.constantFrom(
        'user',
        'user',
        'user',
        'user',
        'group',
        'app',
        'member',
        'flags',
        'delete',
      );
      const step = fc.tuple(kind, fc.nat(), fc.nat());
      fc.assert(
        fc.property(fc.array(step, { minLength: 120, maxLength: 160 }), (steps) => {
          const r = new Replica('long', 505, base);
          let sawFlat = false;
          try {
            steps.forEach(([kind, i, j], n) => {
              const s = r.state();
              const groups = [...s.groups.values()].filter(
                (g) => g.kind === 'custom' && g.deletedAt === undefined,
              );
              const users = [...s.users.values()].filter((u) => u.status !== 'archived');
              const g = groups[i % Math.max(1, groups.length)];
              const u = users[j % Math.max(1, users.length)];
              const command: Command | null =
                kind === 'group'
                  ? { type: 'group.create', name: `Group ${n}` }
                  : kind === 'user'
                    ? { type: 'user.invite', email: `user${n}@corp.io`, name: '', role: 'end-user' }
                    : kind === 'app'
                      ? { type: 'app.create', name: `App ${n}` }
                      : !g
                        ? null
                        : kind === 'member' && u
                          ? {
                              type: 'group.addMembers',
                              groupId: g.id,
                              userIds: [u.id],
                              allowRoleChange: true,
                            }
                          : kind === 'flags'
                            ? {
                                type: 'group.setFlags',
                                groupId: g.id,
                                flags: { folderCRUD: j % 2 === 0 },
                                allowRoleChange: true,
                              }
                            : { type: 'group.delete', groupId: g.id };
              if (!command) return;
              const planned = plan(s, command, { now: r.now(), newId: r.newId });
              if (planned.ok) commit(r.doc, planned.value, LOCAL);
              if (n > 0 && r.state().users instanceof Map) sawFlat = true;
              if (n % 10 === 0 || n === steps.length - 1)
                expect(normalizeState(r.state())).toEqual(normalizeState(readState(r.doc)));
            });
          } finally {
            r.destroy();
          }
          if (sawFlat) flattened++;
        }),
        { numRuns: RUNS },
      );
      expect(flattened).toBeGreaterThan(RUNS / 4);
    },
    TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------------------
// Regressions: core bugs the properties led to, each fixed.

/** Two offline replicas of the base workspace that edit, then exchange everything. */
function twoReplicas(edit: (a: Replica, b: Replica) => void): [Replica, Replica] {
  const a = new Replica('a', 101, base);
  const b = new Replica('b', 202, base);
  edit(a, b);
  syncPair(a, b);
  syncPair(b, a);
  return [a, b];
}

function must(r: Replica, command: Command): string {
  const result = plan(r.state(), command, { now: r.now(), newId: r.newId });
  if (!result.ok) throw new Error(`${command.type}: ${result.error.code}`);
  commit(r.doc, result.value, LOCAL);
  return result.value.createdId ?? '';
}

describe('regressions: merges and impact', () => {
  it('repair leaves one user per email after concurrent invites, and every replica maps the email alike', () => {
    const [a, b] = twoReplicas((a, b) => {
      must(a, { type: 'user.invite', email: 'nia@corp.io', name: 'Nia', role: 'end-user' });
      must(b, { type: 'user.invite', email: 'nia@corp.io', name: 'Nia', role: 'admin' });
    });
    try {
      // The replicas once picked different users for the same email (Y.Map insertion order)…
      const userFor = (r: Replica) => accessIndex(readState(r.doc)).usersByEmail.get('nia@corp.io')?.id;
      expect(userFor(a)).toBe(userFor(b));
      // …and repair kept both users (one End-user, one Admin) live for one account. (Users are never
      // removed, so at most one of them may stay unarchived.)
      const { repaired } = repairDoc(a.doc, base.state);
      const live = [...repaired.users.values()].filter(
        (u) => u.email === 'nia@corp.io' && u.status !== 'archived',
      );
      expect(live).toHaveLength(1);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('repair leaves live app slugs unique after concurrent app creation, and URLs match one app everywhere', () => {
    const [a, b] = twoReplicas((a, b) => {
      must(a, { type: 'app.create', name: 'CRM', urlPatterns: ['https://crm.corp.io/*'] });
      must(b, { type: 'app.create', name: 'CRM', urlPatterns: ['https://crm.corp.io/*'] });
    });
    try {
      // Both apps get slug “crm”; matchApp once broke the tie by Y.Map insertion order, which differs.
      const matched = (r: Replica) => matchApp(readState(r.doc), 'https://crm.corp.io/home')?.id;
      expect(matched(a)).toBe(matched(b));
      const { repaired } = repairDoc(a.doc, base.state);
      const slugs = [...repaired.apps.values()].filter((x) => x.deletedAt === undefined).map((x) => x.slug);
      expect(new Set(slugs).size).toBe(slugs.length);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it("an impact's '*' row is true of every resource without its own row (rule 9)", () => {
    // Eve (End-user) sees Payroll through HR's custom grant and every app through the End-user group.
    // Removing the End-user group's grant takes Wiki away but leaves Payroll: the impact must not say
    // “All other apps: View → none” while listing no Payroll row.
    const s = base.state;
    const endUser = [...s.groups.values()].find((g) => g.role === 'end-user');
    const grant = endUser && [...endUser.grants.values()][0];
    if (!endUser || !grant) throw new Error('base workspace changed');
    const planned = plan(
      s,
      { type: 'grant.remove', groupId: endUser.id, grantId: grant.id },
      { now: REPAIR_NOW },
    );
    if (!planned.ok) throw new Error(planned.error.code);
    expect(impactMismatches(s, planned.value.after, planned.value.impact, { strictStar: true })).toEqual([]);
  });
});
