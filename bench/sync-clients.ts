/**
 * Client side of `bench/sync.ts`, run as a child process (several of them) so that client CPU never
 * shares an event loop with the server under test or with the bench's bookkeeping.
 *
 * Commands arrive over IPC:
 *   { kind: 'storm', urls, first, clients, updates, rate }  connect urls[k] as client `first + k`, sync,
 *       create the client's own group, answer { kind: 'ready' }; on { kind: 'go', at } send `updates`
 *       renames at `rate` per second each (steady, spread over the interval), starting at `at` (epoch ms);
 *       on { kind: 'report', full } answer { kind: 'result', received, last, latencies (when full) }.
 *   { kind: 'idle', urls }  connect and sync every url, answer { kind: 'ready' }, hold until killed.
 *
 * Latency: every rename carries `s<client>-<n>-<send time>`; receivers read the send time out of the
 * relayed bytes (no apply), so the figure is send → receipt at each other client, server included.
 */
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  encodeStep1,
  encodeStep2,
  encodeUpdate,
  MESSAGE_SYNC,
  SYNC_STEP1,
  SYNC_STEP2,
} from '../core/index.ts';

/** A raw protocol client: syncs once (applying the server's state), then only scans what it receives. */
class LightClient {
  readonly doc = new Y.Doc();
  readonly ws: WebSocket;
  synced = false;
  closedWith: number | null = null;
  onForeign: ((bytes: Buffer) => void) | null = null;

  constructor(url: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('open', () => this.ws.send(encodeStep1(Y.encodeStateVector(this.doc))));
    this.ws.on('error', () => {});
    this.ws.on('close', (code) => {
      this.closedWith = code;
    });
    this.ws.on('message', (data: Buffer) => {
      if (data[0] !== MESSAGE_SYNC) return;
      if (!this.synced) {
        const d = decoding.createDecoder(data);
        decoding.readVarUint(d);
        const sub = decoding.readVarUint(d);
        const payload = decoding.readVarUint8Array(d);
        if (sub === SYNC_STEP1) this.ws.send(encodeStep2(Y.encodeStateAsUpdate(this.doc, payload)));
        else if (sub === SYNC_STEP2) {
          Y.applyUpdate(this.doc, payload, 'server');
          this.synced = true;
        }
        return;
      }
      this.onForeign?.(data);
    });
    this.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== 'server' && this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeUpdate(u));
    });
  }

  waitSynced(timeoutMs: number): Promise<void> {
    const start = Date.now();
    return new Promise((resolve, reject) => {
      const tick = () => {
        if (this.synced) return resolve();
        if (this.closedWith !== null) return reject(new Error(`client closed with ${this.closedWith}`));
        if (Date.now() - start > timeoutMs) return reject(new Error('client did not sync'));
        setTimeout(tick, 5);
      };
      tick();
    });
  }
}

/** Ids are 12 characters like core's; fixed per client so every run names the same groups. */
const groupId = (i: number) => `benchgroup${String(i).padStart(2, '0')}`.slice(-12);

function createOwnGroup(c: LightClient, i: number): Y.Map<unknown> {
  const g = new Y.Map<unknown>();
  c.doc.transact(() => {
    c.doc.getMap('groups').set(groupId(i), g);
    g.set('name', `s${i}-start`);
    g.set('kind', 'custom');
    g.set('createdAt', Date.now());
    g.set('members', new Y.Map());
    g.set('grants', new Y.Map());
  });
  return g;
}

type Command =
  | { kind: 'storm'; urls: string[]; first: number; clients: number; updates: number; rate: number }
  | { kind: 'idle'; urls: string[] }
  | { kind: 'go'; at: number }
  | { kind: 'report'; full: boolean };

const send = (m: unknown) => process.send!(m);
let clients: LightClient[] = [];
let groups: Y.Map<unknown>[] = [];
let storm: Extract<Command, { kind: 'storm' }> | null = null;
const latencies: number[] = [];
let received = 0;
let last = 0;
const RE = /s(\d+)-(\d+)-(\d{13})/g;

async function connect(urls: string[]): Promise<void> {
  clients = urls.map((u) => new LightClient(u));
  await Promise.all(clients.map((c) => c.waitSynced(120_000)));
}

process.on('message', async (cmd: Command) => {
  try {
    if (cmd.kind === 'idle') {
      await connect(cmd.urls);
      send({ kind: 'ready' });
    } else if (cmd.kind === 'storm') {
      storm = cmd;
      await connect(cmd.urls);
      groups = clients.map((c, k) => createOwnGroup(c, cmd.first + k));
      clients.forEach((c, k) => {
        const me = cmd.first + k;
        c.onForeign = (bytes) => {
          const text = bytes.toString('latin1');
          const now = Date.now();
          for (const m of text.matchAll(RE)) {
            if (Number(m[1]) === me) continue;
            latencies.push(now - Number(m[3]));
            received++;
            last = now;
          }
        };
      });
      send({ kind: 'ready' });
    } else if (cmd.kind === 'go') {
      const s = storm!;
      const interval = 1000 / s.rate;
      clients.forEach((c, k) => {
        const me = s.first + k;
        // Spread the clients evenly over one interval so the offered load is steady, not bursts of 50.
        const offset = (me / s.clients) * interval;
        let n = 0;
        const tick = () => {
          if (c.ws.readyState !== WebSocket.OPEN) return;
          groups[k]!.set('name', `s${me}-${n}-${Date.now()}`);
          n++;
          if (n < s.updates) setTimeout(tick, Math.max(0, cmd.at + offset + n * interval - Date.now()));
        };
        setTimeout(tick, Math.max(0, cmd.at + offset - Date.now()));
      });
    } else if (cmd.kind === 'report') {
      const closed = clients.filter((c) => c.closedWith !== null).map((c) => c.closedWith);
      send({ kind: 'result', latencies: cmd.full ? latencies : [], received, last, closed });
    }
  } catch (err) {
    send({ kind: 'error', message: String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
