/**
 * The editing clients of `npm run bench -- cluster`'s failure runs: real y-websocket providers (they
 * reconnect and resend what the server has not stored, as the admin app does), spread over instances,
 * each renaming its own group `k<client>-<n>` with n counting up. What every client sees of every group
 * is read with core's incremental DocReader; a rename seen by another client was committed before it was
 * relayed, so it counts as acknowledged.
 */
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { DocReader, execute } from '../core/index.ts';

export interface EditClient {
  readonly index: number;
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly reader: DocReader;
  groupId: string;
  /** The last rename number made. */
  sent: number;
}

/** The rename number a group's name shows (`k<client>-<n>`), -1 when absent. */
export function numberOf(reader: DocReader, groupId: string): number {
  const name = reader.state().groups.get(groupId)?.name;
  const n = name ? Number(name.slice(name.lastIndexOf('-') + 1)) : Number.NaN;
  return Number.isFinite(n) ? n : -1;
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `count` clients, client c on `wsUrlOf(c)`, each synced with its own group made and seen by everyone. */
export async function connectEditors(
  count: number,
  wsUrlOf: (client: number) => string,
  slug: string,
  token: string,
): Promise<EditClient[]> {
  // Each provider listens for the process's exit.
  process.setMaxListeners(Math.max(process.getMaxListeners(), count + 20));
  const clients = Array.from({ length: count }, (_, index): EditClient => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(wsUrlOf(index), slug, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: { token },
      disableBc: true,
      maxBackoffTime: 500,
    });
    return { index, doc, provider, reader: new DocReader(doc), groupId: '', sent: 0 };
  });
  await until(() => clients.every((c) => c.provider.synced), 120_000, 'every editor synced');
  for (const c of clients) {
    const r = execute(c.doc, c.reader.state(), { type: 'group.create', name: `k${c.index}-0` });
    if (!r.ok) throw new Error(r.error.message);
    c.groupId = r.value.createdId!;
  }
  await until(
    () =>
      converged(
        clients,
        clients.map(() => 0),
      ),
    120_000,
    'every editor seeing every group',
  );
  return clients;
}

export function rename(c: EditClient): void {
  c.sent++;
  const r = execute(c.doc, c.reader.state(), {
    type: 'group.rename',
    groupId: c.groupId,
    name: `k${c.index}-${c.sent}`,
  });
  if (!r.ok) throw new Error(r.error.message);
}

/** Whether every client sees client c's group at `targets[c]` or later. */
export function converged(clients: readonly EditClient[], targets: readonly number[]): boolean {
  return clients.every((viewer) =>
    clients.every((c) => numberOf(viewer.reader, c.groupId) >= targets[c.index]!),
  );
}

/** Polls until converged; returns the milliseconds it took (Infinity after `timeoutMs`). */
export async function timeToConverge(
  clients: readonly EditClient[],
  targets: readonly number[],
  timeoutMs: number,
): Promise<number> {
  const start = performance.now();
  while (!converged(clients, targets)) {
    if (performance.now() - start > timeoutMs) return Number.POSITIVE_INFINITY;
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - start;
}

/**
 * Every client renames its group `perSecond` times a second until `stop()`; meanwhile the highest number
 * of each group any other client has seen (acknowledged) is sampled every 100 ms.
 */
export function editStorm(
  clients: readonly EditClient[],
  perSecond: number,
): { stop(): void; acknowledged: number[] } {
  const acknowledged = clients.map(() => 0);
  const started = Date.now();
  const edits = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * perSecond);
    for (const c of clients) while (c.sent < due) rename(c);
  }, 10);
  const sample = () => {
    for (const viewer of clients)
      for (const c of clients)
        if (c !== viewer)
          acknowledged[c.index] = Math.max(acknowledged[c.index]!, numberOf(viewer.reader, c.groupId));
  };
  const sampler = setInterval(sample, 100);
  return {
    acknowledged,
    stop() {
      clearInterval(edits);
      clearInterval(sampler);
      sample();
    },
  };
}

export function destroyEditors(clients: readonly EditClient[]): void {
  for (const c of clients) {
    c.provider.destroy();
    c.reader.destroy();
    c.doc.destroy();
  }
}
