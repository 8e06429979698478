/**
 * Permission history is bounded on the server (issue 15), on a real server with a 3,000-user workspace and
 * 3,000 logged updates: while a big report (the access diff across the whole history) is computed,
 * /healthz and other requests answer promptly (the work runs in a worker thread); a second report of the
 * same kind for the same workspace, or one beyond the instance's limit, is 429 with Retry-After; one
 * user's timeline over the whole history comes from the history index, while a replayed window (an app's
 * timeline) longer than the replay cap is 422 and says how to narrow it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { generateWorkspace } from '../../bench/generate-workspace.ts';
import { int, mulberry32, pick } from '../../bench/prng.ts';
import { applyOps, type Op, readState } from '../../core/index.ts';
import { hashPassword } from '../../sync-server/auth/password.ts';
import { api, login, PASSWORD, startServer, type TestServer } from './helpers.ts';

const UPDATES = 3_000;
let t: TestServer;
let token: string;
let userId: string;
let appId: string;
/** When the last logged update was committed. */
let lastAt = 0;
let firstAt = 0;
const H = '/api/workspaces/big/history';

beforeAll(async () => {
  // No wait for a slot: a second report while one runs is refused at once (the default waits 1 s).
  t = await startServer({
    historyReportsInFlight: 2,
    historyReportWaitMs: 0,
    historyMaxReplayedUpdates: 1_000,
  });
  const storage = t.server.ctx.storage;
  const ws = generateWorkspace({ users: 3_000, groups: 300, apps: 600, dataSources: 60, now: Date.now() });
  const workspace = await storage.createWorkspace({
    slug: 'big',
    name: 'Big',
    initialUpdate: Y.encodeStateAsUpdate(ws.doc),
  });
  // One update per millisecond after the workspace's creation (never in the future when asked).
  const first = Date.now() + 1;
  // The generator's first user is an active admin: give them an account.
  const email = readState(ws.doc).users.get(ws.userIds[0]!)!.email;
  await storage.createAccount({ email, name: 'Admin', passwordHash: await hashPassword(PASSWORD) });
  await storage.setMemberships(
    workspace.id,
    [{ workspaceId: workspace.id, userId: ws.userIds[0]!, email, role: 'admin', status: 'active' }],
    [],
  );
  const rng = mulberry32(7);
  const custom = ws.groupIds.filter((id) => !Object.values(ws.defaultGroupIds).includes(id));
  const updates: Uint8Array[] = [];
  ws.doc.on('update', (u: Uint8Array) => updates.push(u));
  let batch: Parameters<typeof storage.appendUpdates>[1][number][] = [];
  for (let logged = 0; logged < UPDATES; ) {
    const at = first + logged + batch.length;
    const groupId = pick(rng, custom);
    const member = pick(rng, ws.userIds);
    const op: Op =
      int(rng, 0, 1) === 0
        ? { type: 'member.add', groupId, userId: member, at }
        : { type: 'member.remove', groupId, userId: member, at };
    const seen = updates.length;
    applyOps(ws.doc, [op]);
    if (updates.length === seen) continue;
    batch.push({
      update: updates[updates.length - 1]!,
      audit: {
        workspaceId: workspace.id,
        at,
        actorId: null,
        actorEmail: null,
        actorName: null,
        source: 'api',
        action: op.type,
        entities: [{ collection: 'groups', id: groupId, fields: ['members'] }],
        summary: `${op.type} ${member}`,
      },
    });
    if (batch.length === 100) {
      await storage.appendUpdates(workspace.id, batch);
      logged += batch.length;
      batch = [];
    }
  }
  firstAt = first;
  lastAt = first + UPDATES - 1;
  while (Date.now() <= lastAt) await new Promise((r) => setTimeout(r, 5));
  token = await login(t, email);
  userId = ws.userIds[5]!;
  appId = ws.appIds[3]!;
}, 180_000);
afterAll(() => t?.close());

/** Polls /healthz every 20 ms until `done` settles; the slowest answer (ms). */
async function slowestHealthz(done: Promise<unknown>): Promise<{ slowest: number; answers: number }> {
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  let slowest = 0;
  let answers = 0;
  while (!finished) {
    const s = performance.now();
    const r = await fetch(`${t.url}/healthz`);
    await r.text();
    slowest = Math.max(slowest, performance.now() - s);
    answers++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { slowest, answers };
}

describe('history reports do not stall the server', () => {
  it('answers /healthz promptly while a big report is computed, and the report is right', async () => {
    // Warm: the worker thread started (its first module load is not what this test measures).
    const warm = await api(t.url, 'GET', `${H}/access?at=${Date.now()}`, { token });
    expect(warm.status, warm.text).toBe(200);
    const s = performance.now();
    // Diffs in a row, each between moments no cache holds, until over a second and a half of work: the
    // machine's speed decides how many that takes, not the test.
    const diff = (k: number) =>
      api(t.url, 'GET', `${H}/diff?from=${firstAt + 1 + k}&to=${lastAt - 10 - k}`, { token });
    const report = (async () => {
      let last = await diff(0);
      for (let k = 1; k < 40 && last.status === 200 && performance.now() - s < 1_500; k++)
        last = await diff(k);
      return last;
    })();
    const health = await slowestHealthz(report);
    const took = performance.now() - s;
    const r = await report;
    expect(r.status, r.text).toBe(200);
    expect(r.body.changes.length).toBeGreaterThan(100);
    expect(r.body.membershipsAdded.length).toBeGreaterThan(100);
    // The first 1,000 memberships each way are listed; the counts give them all.
    expect(r.body.membershipsAdded.length).toBe(Math.min(1_000, r.body.membershipsAddedCount));
    expect(r.body.membershipsRemoved.length).toBe(Math.min(1_000, r.body.membershipsRemovedCount));
    // The report is big enough that computing it on the event loop would have held /healthz for it all.
    expect(took).toBeGreaterThan(1_000);
    expect(health.answers).toBeGreaterThan(10);
    expect(health.slowest, `slowest /healthz ${health.slowest} ms during a ${took} ms report`).toBeLessThan(
      Math.min(300, took / 4),
    );
  }, 120_000);

  it('refuses a second report of the same kind for the workspace with 429 and Retry-After', async () => {
    // Moments the worker has no state cached for (the first test's are), so the first diff takes seconds.
    const diff = (to: number) => `${H}/diff?from=${firstAt}&to=${to}`;
    const first = api(t.url, 'GET', diff(lastAt - 3), { token });
    await new Promise((r) => setTimeout(r, 50));
    const second = await api(t.url, 'GET', `${diff(lastAt - 5)}&format=csv`, { token });
    expect(second.status, second.text).toBe(429);
    expect(second.headers.get('retry-after')).toBe('5');
    expect(second.body.error.code).toBe('rate-limited');
    expect(second.body.error.message).toMatch(/already being computed/);
    // Another kind still runs meanwhile (two per instance).
    const other = await api(t.url, 'GET', `${H}/access?at=${Date.now()}&user=${userId}`, { token });
    expect(other.status, other.text).toBe(200);
    expect((await first).status).toBe(200);
  }, 120_000);

  it('answers a user timeline over the whole history from the index, and refuses a replayed window beyond the cap with 422 saying how to narrow it', async () => {
    // One user's timeline folds the history index's changes: not capped.
    const all = await api(t.url, 'GET', `${H}/timeline/user?user=${userId}`, { token });
    expect(all.status, all.text).toBe(200);
    expect(all.body.events.length).toBeGreaterThan(0);
    // An app's timeline replays the Yjs updates of its window: capped.
    const r = await api(t.url, 'GET', `${H}/timeline/app?app=${appId}`, { token });
    expect(r.status, r.text).toBe(422);
    expect(r.body.error.code).toBe('window-too-large');
    expect(r.body.error.message).toMatch(/narrow the window with from and to/);
    expect(r.body.error.details).toMatchObject({ maxUpdates: 1_000 });
    expect(r.body.error.details.updates).toBeGreaterThan(1_000);
    const last = await api(t.url, 'GET', `${H}/timeline/app?app=${appId}&from=${lastAt - 500}`, { token });
    expect(last.status, last.text).toBe(200);
  }, 120_000);
});
