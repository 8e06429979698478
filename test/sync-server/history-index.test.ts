/**
 * The history index on the server (issue 15), on SQLite and PostgreSQL: a report brings a short tail of
 * the log into the index first, and every answer read from the index — access at a moment, the diff
 * between two moments, one user's timeline — is the answer the Yjs history gives for the same moments,
 * also after more updates, a compaction and a retention that drops the oldest history.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { indexAll } from '../../sync-server/history/history-index.ts';
import {
  accessAt,
  accessDiff,
  type HistoryDeps,
  userTimeline,
} from '../../sync-server/history/history-reports.ts';
import { HistoryRunner } from '../../sync-server/history/history-runner.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { commandSpec, createBaseWorkspace, REPLICA_EPOCH, Replica } from '../fixtures/replicas.ts';
import { storageBackends } from '../storage/backends.ts';

const base = createBaseWorkspace();
const STEP_MS = 60_000;
const runners: HistoryRunner[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.close();
});

/** Logs the random commands' updates, one per minute after the base, as the server would. */
async function logged(storage: Storage, seed: number, count: number) {
  const ws = await storage.createWorkspace({
    slug: `acme-${seed}`,
    name: 'Acme',
    initialUpdate: base.update,
  });
  const replica = new Replica('h', 101, base);
  const times: number[] = [];
  await logMore(storage, ws.id, replica, seed, count, REPLICA_EPOCH, times);
  return { ws, replica, times };
}

async function logMore(
  storage: Storage,
  wsId: string,
  replica: Replica,
  seed: number,
  count: number,
  from: number,
  times: number[],
) {
  const specs = fc.sample(commandSpec, { numRuns: count, seed });
  let at = from;
  for (const spec of specs) {
    const seen = replica.local.length;
    replica.run(spec);
    const fresh = replica.local.slice(seen);
    if (fresh.length === 0) continue;
    at += STEP_MS;
    times.push(at);
    await storage.appendUpdates(
      wsId,
      fresh.map((update) => ({
        update,
        audit: {
          workspaceId: wsId,
          at,
          actorId: 'acc-1',
          actorEmail: 'a@x.test',
          actorName: 'A',
          source: 'api' as const,
          action: 'test.edit',
          entities: [],
          summary: `edit at ${at}`,
        },
      })),
    );
  }
}

/** The same storage with the index out of sight: every report reads the Yjs history. */
const withoutIndex = (storage: Storage): Storage => ({ ...storage, indexedMoment: async () => null });

function deps(storage: Storage): HistoryDeps {
  const history = new HistoryRunner({ maxInFlight: 2, waitMs: 5_000, jobTimeoutMs: 60_000 });
  runners.push(history);
  return { storage, history };
}

async function sameAnswers(
  storage: Storage,
  wsId: string,
  userIds: readonly string[],
  times: readonly number[],
) {
  const [ix, yjs] = [deps(storage), deps(withoutIndex(storage))];
  const picks = [times[0]! - 1, times[1]!, times[Math.floor(times.length / 2)]! + 7, times.at(-1)!];
  for (const at of picks)
    for (const u of userIds.slice(0, 3))
      expect(await accessAt(ix, wsId, at, u, '')).toEqual(await accessAt(yjs, wsId, at, u, ''));
  const [from, to] = [times[2]!, times.at(-1)! + 1];
  expect(await accessDiff(ix, wsId, from, to)).toEqual(await accessDiff(yjs, wsId, from, to));
  for (const u of userIds)
    expect(await userTimeline(ix, wsId, u, times[0]! - 1, to, 25_000)).toEqual(
      await userTimeline(yjs, wsId, u, times[0]! - 1, to, 25_000),
    );
}

const backends = storageBackends();

describe.each(backends)('history index on $name', (backend) => {
  it('a report indexes the tail first; answers read from the index are the Yjs history’s', async () => {
    const { storage } = await backend.open();
    const { ws, replica, times } = await logged(storage, 7, 40);
    expect(await storage.indexHead(ws.id)).toBeNull();
    const userIds = [...replica.state().users.keys()].sort();
    await sameAnswers(storage, ws.id, userIds, times);
    const last = (await storage.headSeqs([ws.id])).get(ws.id)!;
    expect((await storage.indexHead(ws.id))?.seq).toBe(last);
    expect(await storage.indexedMoment(ws.id, times.at(-1)!)).not.toBeNull();
    replica.destroy();
  }, 120_000);

  it('the index follows more updates and a compaction; a second run writes nothing new', async () => {
    const { storage } = await backend.open();
    const { ws, replica, times } = await logged(storage, 11, 30);
    const d = deps(storage);
    await indexAll(d, ws.id);
    const head = await storage.indexHead(ws.id);
    await indexAll(d, ws.id);
    expect(await storage.indexHead(ws.id)).toEqual(head);
    const last = (await storage.headSeqs([ws.id])).get(ws.id)!;
    await storage.compact(ws.id, Y.encodeStateAsUpdate(replica.doc), last);
    await logMore(storage, ws.id, replica, 13, 25, times.at(-1)!, times);
    await indexAll(d, ws.id);
    expect((await storage.indexHead(ws.id))!.seq).toBeGreaterThan(head!.seq);
    const userIds = [...replica.state().users.keys()].sort();
    await sameAnswers(storage, ws.id, userIds, times);
    replica.destroy();
  }, 120_000);
});
