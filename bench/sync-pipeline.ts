/**
 * The in-process cost of client updates through a live doc's pipeline (sync-server/sync/live-doc.ts):
 * shadow apply → validateChanges → checkChange → SQLite commit with its audit row → apply → relay (to 49
 * peers that drop the bytes). No sockets, no other process: the figure to iterate on, since the
 * machine's other load skews it far less than the socket bench. `npx tsx bench/sync-pipeline.ts`.
 *
 * The workload is the sync bench's: 50 clients in a fresh workspace, each renaming its own group.
 *   one at a time: each update submitted after the previous one committed (a transaction each);
 *   in batches of 50: the 50 clients' updates arrive together (one group commit).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { type Command, createWorkspaceDoc, DocReader, execute } from '../core/index.ts';
import { createLogger } from '../sync-server/log.ts';
import { openSqliteStorage } from '../sync-server/storage/sqlite-storage.ts';
import { type Actor, type DocPeer, LiveDoc } from '../sync-server/sync/live-doc.ts';
import { median } from './measure.ts';

const CLIENTS = 50;
/** CPU time this process has used (user + system), in µs: other load on a shared machine skews it less than wall time. */
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const ADMIN: Actor = { accountId: 'bench-admin', email: 'admin@bench.test', name: 'Admin' };

/** CPU time per update (the client replicas' renames excluded). */
export interface PipelineCost {
  /** µs per update, each committed before the next is submitted (median of the rounds). */
  readonly oneAtATimeUs: number;
  /** µs per update when 50 arrive together (median of the rounds). */
  readonly batchedUs: number;
}

/** A client replica that renames its own group (core's commands); each change's update is kept for `take`. */
class Client {
  readonly doc = new Y.Doc();
  private readonly reader: DocReader;
  private readonly groupId: string;
  private last: Uint8Array | null = null;
  private n = 0;

  constructor(
    initial: Uint8Array,
    readonly index: number,
  ) {
    Y.applyUpdate(this.doc, initial, 'server');
    this.reader = new DocReader(this.doc);
    this.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== 'server') this.last = u;
    });
    this.groupId = this.run({ type: 'group.create', name: `s${index}-start` }).createdId!;
  }

  private run(command: Command) {
    const r = execute(this.doc, this.reader.state(), command);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  /** The update of the client's last local change. */
  take(): Uint8Array {
    const u = this.last!;
    this.last = null;
    return u;
  }

  rename(): Uint8Array {
    this.run({ type: 'group.rename', groupId: this.groupId, name: `s${this.index}-${this.n++}` });
    return this.take();
  }
}

export async function measurePipeline(rounds = 20): Promise<PipelineCost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pipeline-'));
  const storage = openSqliteStorage(dir);
  try {
    const created = createWorkspaceDoc({ name: 'Bench', slug: 'bench' });
    const ws = await storage.createWorkspace({
      slug: 'bench',
      name: 'Bench',
      initialUpdate: Y.encodeStateAsUpdate(created),
    });
    const live = new LiveDoc(ws, await storage.loadDoc(ws.id), {
      storage,
      log: createLogger('silent'),
      maxDocBytes: 64 * 1024 * 1024,
      compactAfterUpdates: 1_000,
    });
    // Its first admin, as the server makes one (sync-server/workspaces.ts).
    const command = async (c: Command, trusted = false) => {
      const r = await live.submit({ kind: 'command', command: c, trusted }, ADMIN, 'api');
      if (!r.ok) throw new Error(r.error.message);
      return r.planned!;
    };
    const invited = await command({ type: 'user.invite', email: ADMIN.email!, name: 'Admin', role: 'admin' });
    await command({ type: 'user.activate', userId: invited.createdId! }, true);
    const initial = live.encodeFullState();
    const peers: DocPeer[] = Array.from({ length: CLIENTS - 1 }, () => ({ send() {}, recheck() {} }));
    for (const p of peers) live.peers.add(p);
    const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(initial, i));
    const submit = async (u: Uint8Array) => {
      const r = await live.submit({ kind: 'update', update: u }, ADMIN, 'sync');
      if (!r.ok) throw new Error(`refused: ${r.error.message}`);
    };
    for (const c of clients) await submit(c.take());

    const oneAtATime: number[] = [];
    const batched: number[] = [];
    for (let r = 0; r < rounds + 2; r++) {
      let updates = clients.map((c) => c.rename());
      let t0 = cpuUs();
      for (const u of updates) await submit(u);
      const one = (cpuUs() - t0) / CLIENTS;
      updates = clients.map((c) => c.rename());
      t0 = cpuUs();
      await Promise.all(updates.map(submit));
      const batch = (cpuUs() - t0) / CLIENTS;
      if (r >= 2) {
        oneAtATime.push(one);
        batched.push(batch);
      }
    }
    await live.destroy();
    return { oneAtATimeUs: median(oneAtATime), batchedUs: median(batched) };
  } finally {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cost = await measurePipeline(Number(process.env.ROUNDS ?? 20));
  console.log(
    `CPU per update: ${cost.oneAtATimeUs.toFixed(0)} µs one at a time, ${cost.batchedUs.toFixed(0)} µs in batches of ${CLIENTS}; load ${os.loadavg()[0]!.toFixed(2)}`,
  );
}
