/**
 * Permission history in core (issue 15), as properties over random command sequences with timestamps:
 * the state rebuilt for time t (from the base snapshot, or from a later snapshot as compaction keeps them,
 * plus the updates logged up to t) equals the state after only the commands before t; access at t is
 * `accessFor` on that state; the diff between two moments is the difference of their access maps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  accessBetween,
  accessKey,
  accessMap,
  accessSince,
  appTimeline,
  stateAt,
  userPoint,
  userTimeline,
} from '../../core/history/index.ts';
import { accessFor, RESOURCE_TYPES, type WorkspaceState } from '../../core/index.ts';
import {
  type CommandSpec,
  commandSpec,
  createBaseWorkspace,
  normalizeState,
  REPLICA_EPOCH,
  Replica,
} from '../fixtures/replicas.ts';

const RUNS = Math.max(100, Number(process.env.PROPERTY_RUNS ?? 100));
const TIMEOUT_MS = Math.max(60_000, RUNS * 300);
const base = createBaseWorkspace();

interface Logged {
  readonly at: number;
  readonly update: Uint8Array;
}

interface History {
  /** Every update after the base, with its commit time, in commit order. */
  readonly log: readonly Logged[];
  /** The state after each command (index 0: the base), with the time of that command. */
  readonly moments: readonly { readonly at: number; readonly state: WorkspaceState }[];
}

/** Runs the commands on one replica, the i-th at REPLICA_EPOCH + the sum of the first i gaps. */
function record(steps: readonly (readonly [CommandSpec, number])[]): History {
  const replica = new Replica('h', 101, base);
  const log: Logged[] = [];
  const moments = [{ at: REPLICA_EPOCH - 1, state: replica.state() }];
  let at = REPLICA_EPOCH;
  for (const [spec, gap] of steps) {
    at += gap;
    const seen = replica.local.length;
    replica.run(spec);
    for (const update of replica.local.slice(seen)) log.push({ at, update });
    moments.push({ at, state: replica.state() });
  }
  replica.destroy();
  return { log, moments };
}

/** The reference: the state after the last command at or before t. */
function expectedAt(h: History, t: number): WorkspaceState {
  let state = h.moments[0]!.state;
  for (const m of h.moments) if (m.at <= t) state = m.state;
  return state;
}

/** What storage keeps: the base, or a snapshot after the first `snapshotAfter` updates (compaction). */
function rebuild(h: History, t: number, snapshotAfter: number): WorkspaceState {
  const upto = h.log.filter((u) => u.at <= t);
  const cut = Math.min(snapshotAfter, upto.length);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, base.update);
  for (const u of upto.slice(0, cut)) Y.applyUpdate(doc, u.update);
  const snapshot = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return stateAt({ base: snapshot, updates: upto.slice(cut) }, t);
}

/** Every user's level on every resource, as `accessFor` gives it. */
function levels(state: WorkspaceState): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const u of state.users.keys()) {
    const a = accessFor(state, u);
    for (const type of RESOURCE_TYPES)
      for (const r of (type === 'app' ? state.apps : state.dataSources).values())
        out[accessKey(u, type, r.id)] = a?.hasAccess ? a.level(type, r.id) : null;
  }
  return out;
}

const steps = fc.array(fc.tuple(commandSpec, fc.integer({ min: 0, max: 3 })), {
  minLength: 1,
  maxLength: 12,
});
const span = (h: History) => h.moments[h.moments.length - 1]!.at - REPLICA_EPOCH + 2;

describe('history in core', () => {
  it(
    'the state rebuilt for time t equals the state after only the commands before t; access matches',
    () => {
      fc.assert(
        fc.property(steps, fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(20), (s, f, snap) => {
          const h = record(s);
          const t = REPLICA_EPOCH - 1 + Math.floor(f * span(h));
          const rebuilt = rebuild(h, t, snap);
          const expected = expectedAt(h, t);
          expect(normalizeState(rebuilt)).toEqual(normalizeState(expected));
          expect(levels(rebuilt)).toEqual(levels(expected));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'the diff between two moments is the difference of their access maps, with or without the compiled shortcut',
    () => {
      fc.assert(
        fc.property(steps, fc.nat(), fc.nat(), (s, i, j) => {
          const h = record(s);
          const a = h.moments[i % h.moments.length]!.state;
          const b = h.moments[j % h.moments.length]!.state;
          const [m0, m1] = [accessMap(a), accessMap(b)];
          const expected = new Map<string, string>();
          for (const key of new Set([...m0.keys(), ...m1.keys()])) {
            const x = m0.get(key);
            const y = m1.get(key);
            if (x?.level !== y?.level || (x?.hidden ?? false) !== (y?.hidden ?? false))
              expected.set(
                key,
                `${x?.level ?? '-'}/${x?.hidden ?? false}→${y?.level ?? '-'}/${y?.hidden ?? false}`,
              );
          }
          const { changes, impact } = accessBetween(a, b);
          expect(impact.accessChangesTruncated).toBe(false);
          // The compiled shortcut (users with the same codes everywhere are not diffed) changes nothing.
          expect(accessBetween(a, b, 'every-user')).toEqual({ changes, impact });
          const got = new Map<string, string>();
          for (const c of changes) {
            const key = accessKey(c.userId, c.resourceType, c.resourceId);
            expect(got.has(key), `one row per pair: ${key}`).toBe(false);
            got.set(key, `${c.before ?? '-'}/${c.hiddenBefore}→${c.after ?? '-'}/${c.hiddenAfter}`);
          }
          expect(got).toEqual(expected);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'timelines: folding a user’s or an app’s events onto the start gives every later moment, each event a real change',
    () => {
      fc.assert(
        fc.property(steps, fc.nat(), (s, pick) => {
          const h = record(s);
          const users = [...h.moments[h.moments.length - 1]!.state.users.keys()].sort();
          const userId = users[pick % users.length]!;
          const log = h.log.map((u, i) => ({ seq: i + 1, ...u }));
          const start = { base: base.update, updates: [] };
          const { initial, events } = userTimeline(start, REPLICA_EPOCH - 1, log, userId);
          const levels = new Map([...(initial?.levels ?? new Map()).entries()].map(([k, v]) => [k, v.after]));
          for (const e of events) {
            expect(
              e.access.length +
                e.groupsAdded.length +
                e.groupsRemoved.length +
                (e.role ? 1 : 0) +
                (e.status ? 1 : 0),
            ).toBeGreaterThan(0);
            for (const c of e.access) {
              const k = `${c.resourceType}:${c.resourceId}`;
              expect(levels.get(k) ?? null).toBe(c.before);
              if (c.after === null) levels.delete(k);
              else levels.set(k, c.after);
            }
          }
          const final = userPoint(h.moments[h.moments.length - 1]!.state, userId);
          expect(levels).toEqual(
            new Map([...(final?.levels ?? new Map()).entries()].map(([k, v]) => [k, v.after])),
          );
          // Since when: one entry per pair with access at the end, never after the level's last change.
          const since = accessSince(start, REPLICA_EPOCH - 1, log);
          const end = h.moments[h.moments.length - 1]!;
          expect(new Set(since.keys())).toEqual(new Set(accessMap(end.state).keys()));
          for (const t of since.values()) expect(t).toBeLessThanOrEqual(end.at);
          const appId = [...base.state.apps.keys()].sort()[pick % 2]!;
          const app = appTimeline(start, REPLICA_EPOCH - 1, log, appId);
          const byUser = new Map(app.initial);
          for (const e of app.events) {
            expect(byUser.get(e.userId) ?? null).toBe(e.before);
            byUser.set(e.userId, e.after);
          }
          const last = h.moments[h.moments.length - 1]!.state;
          for (const u of last.users.keys()) {
            const a = accessFor(last, u);
            const live = last.apps.get(appId)?.deletedAt === undefined;
            expect(byUser.get(u) ?? null, u).toBe(live && a?.hasAccess ? a.level('app', appId) : null);
          }
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it('a moment before any command is the base; the same moment twice is the same state', () => {
    const h = record([[{ k: 'group.create', name: 'Audit' }, 5]]);
    expect(normalizeState(rebuild(h, REPLICA_EPOCH, 0))).toEqual(normalizeState(base.state));
    expect(normalizeState(rebuild(h, REPLICA_EPOCH + 5, 0))).toEqual(
      normalizeState(rebuild(h, REPLICA_EPOCH + 5, 1)),
    );
    expect(accessBetween(base.state, base.state).changes).toEqual([]);
  });
});
