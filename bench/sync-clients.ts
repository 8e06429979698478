/**
 * Client side of `bench/sync.ts`, run as a child process (several of them) so that client CPU never
 * shares an event loop with the server under test or with the bench's bookkeeping.
 *
 * Commands arrive over IPC:
 *   { kind: 'storm', urls, first, clients, updates, rate, groups? }  connect urls[k] as client `first + k`, sync,
 *       create the client's own group, prepare its `updates` renames, answer { kind: 'ready' }; on
 *       { kind: 'go', at } send them at `rate` per second each (steady, spread over the interval), starting
 *       at `at` (epoch ms); on { kind: 'report', full } answer { kind: 'result', sent, lastSent, received,
 *       last, histogram (when full) }.
 *   { kind: 'idle', urls }  connect and sync every url, answer { kind: 'ready' }, hold until killed.
 *
 * Lean on purpose, so the figure is the server's and not the clients' (bench/sync.ts also measures where
 * these processes saturate, against a relay that does nothing):
 * - every rename is a real Yjs update made by the client's own doc before the run; sending is handing the
 *   prepared message to the socket;
 * - receivers never apply what they get: a native byte search finds the renames' marks in it;
 * - one timer per process sends whatever is due, instead of a timer per client and update.
 *
 * Counting: every rename's name carries `~#<client, 3 digits><rename number, 6 digits>`. A server may
 * relay only the newest value of a key (ours relays what its one transaction over a batch integrated,
 * where the renames a later one overwrote are deleted content, as Yjs' garbage collection leaves them),
 * so a receiver counts by the highest rename number seen per sender: a client's updates arrive in order,
 * so seeing rename n means every rename up to n has arrived. Latency (send → receipt) is taken for the
 * senders in this same process, whose send times it knows — every rename, the overwritten ones included.
 */
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  DocReader,
  encodeStep1,
  encodeStep2,
  encodeUpdate,
  execute,
  MESSAGE_SYNC,
  readState,
  SYNC_STEP1,
  SYNC_STEP2,
} from '../core/index.ts';

/** A rename's mark in its name: `~#`, the client (3 digits), the rename number (6 digits). */
const MARK = Buffer.from('~#');
/** Latencies are counted per millisecond up to this. */
const HISTOGRAM_MS = 120_000;

/** A raw protocol client: syncs once (applying the server's state), then only scans what it receives. */
class LightClient {
  readonly doc = new Y.Doc();
  readonly ws: WebSocket;
  synced = false;
  /** Local changes are sent as they happen until the renames are prepared. */
  live = true;
  closedWith: number | null = null;
  onForeign: ((bytes: Buffer) => void) | null = null;
  private last: Uint8Array | null = null;

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
      if (origin === 'server') return;
      if (!this.live) this.last = u;
      else if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeUpdate(u));
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

  /** The update message of a local change, not sent (the client is no longer live). */
  prepare(change: () => void): Uint8Array {
    this.live = false;
    change();
    const u = this.last;
    this.last = null;
    if (!u) throw new Error('the change made no update');
    return encodeUpdate(u);
  }
}

/** Creates the client's own group with core's command (sent at once); returns its id. */
function createOwnGroup(c: LightClient, i: number): string {
  const r = execute(c.doc, readState(c.doc), { type: 'group.create', name: `s${i}-start` });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.createdId!;
}

/** The prepared rename messages of a client (core's command, as the admin app writes one), in order. */
function prepareRenames(c: LightClient, groupId: string, me: number, count: number): Buffer[] {
  const tag = `~#${String(me).padStart(3, '0')}`;
  const reader = new DocReader(c.doc);
  const out = Array.from({ length: count }, (_, n) =>
    Buffer.from(
      c.prepare(() => {
        const name = `s${me}${tag}${String(n).padStart(6, '0')}`;
        const r = execute(c.doc, reader.state(), { type: 'group.rename', groupId, name });
        if (!r.ok) throw new Error(r.error.message);
      }),
    ),
  );
  reader.destroy();
  return out;
}

/** Reads `length` ASCII digits at `at`; -1 when one is not a digit. */
function readDigits(buf: Buffer, at: number, length: number): number {
  let v = 0;
  for (let i = 0; i < length; i++) {
    const d = buf[at + i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

type Command =
  | {
      kind: 'storm';
      urls: string[];
      first: number;
      clients: number;
      updates: number;
      rate: number;
      /** Each client's group (its instance): latency is taken only between clients of different groups. */
      groups?: number[];
    }
  | { kind: 'idle'; urls: string[] }
  | { kind: 'go'; at: number }
  | { kind: 'report'; full: boolean };

const send = (m: unknown) => process.send!(m);
let clients: LightClient[] = [];
let renames: Buffer[][] = [];
/** Send time of each rename of this process's clients (by local index), 0 until sent. */
let sentAt: Float64Array[] = [];
let storm: Extract<Command, { kind: 'storm' }> | null = null;
const histogram = new Uint32Array(HISTOGRAM_MS + 1);
let sent = 0;
let lastSent = 0;
let received = 0;
let last = 0;

/** Counts, for receiver `me`, the renames `bytes` shows it (with their latency when the sender is local). */
function scan(bytes: Buffer, me: number, seen: Int32Array): void {
  const now = Date.now();
  const s = storm!;
  for (let i = bytes.indexOf(MARK); i !== -1; i = bytes.indexOf(MARK, i + 1)) {
    const from = readDigits(bytes, i + 2, 3);
    const n = from < 0 || from >= s.clients ? -1 : readDigits(bytes, i + 5, 6);
    if (n < 0 || from === me || n <= seen[from]!) continue;
    const local = from - s.first;
    const sameGroup = s.groups !== undefined && s.groups[from] === s.groups[me];
    const times = local >= 0 && local < sentAt.length && !sameGroup ? sentAt[local]! : null;
    for (let k = seen[from]! + 1; k <= n; k++) {
      const at = times?.[k] ?? 0;
      if (at > 0) histogram[Math.min(HISTOGRAM_MS, Math.max(0, Math.round(now - at)))]!++;
    }
    received += n - seen[from]!;
    seen[from] = n;
    last = now;
  }
}

async function connect(urls: string[]): Promise<void> {
  clients = urls.map((u) => new LightClient(u));
  await Promise.all(clients.map((c) => c.waitSynced(120_000)));
}

/** Sends every rename that is due, for every client, then comes back in a millisecond. */
function pump(s: Extract<Command, { kind: 'storm' }>, start: number): void {
  const interval = 1000 / s.rate;
  const next = clients.map(() => 0);
  const tick = () => {
    const now = Date.now();
    let pending = false;
    clients.forEach((c, k) => {
      const list = renames[k]!;
      // Clients are spread evenly over one interval so the offered load is steady, not bursts of 50.
      const offset = ((s.first + k) / s.clients) * interval;
      const due = Math.min(list.length, Math.floor((now - start - offset) / interval) + 1);
      if (c.ws.readyState !== WebSocket.OPEN) return;
      for (; next[k]! < due; next[k]!++) {
        sentAt[k]![next[k]!] = Date.now();
        c.ws.send(list[next[k]!]!);
        sent++;
        lastSent = Date.now();
      }
      if (next[k]! < list.length) pending = true;
    });
    if (pending) setTimeout(tick, 1);
  };
  setTimeout(tick, Math.max(0, start - Date.now()));
}

process.on('message', async (cmd: Command) => {
  try {
    if (cmd.kind === 'idle') {
      await connect(cmd.urls);
      send({ kind: 'ready' });
    } else if (cmd.kind === 'storm') {
      storm = cmd;
      await connect(cmd.urls);
      const groups = clients.map((c, k) => createOwnGroup(c, cmd.first + k));
      renames = clients.map((c, k) => prepareRenames(c, groups[k]!, cmd.first + k, cmd.updates));
      sentAt = clients.map(() => new Float64Array(cmd.updates));
      clients.forEach((c, k) => {
        const me = cmd.first + k;
        const seen = new Int32Array(cmd.clients).fill(-1);
        c.onForeign = (bytes) => scan(bytes, me, seen);
      });
      send({ kind: 'ready' });
    } else if (cmd.kind === 'go') {
      pump(storm!, cmd.at);
    } else if (cmd.kind === 'report') {
      const closed = clients.filter((c) => c.closedWith !== null).map((c) => c.closedWith);
      const pairs: [number, number][] = [];
      if (cmd.full)
        for (let ms = 0; ms <= HISTOGRAM_MS; ms++) if (histogram[ms]! > 0) pairs.push([ms, histogram[ms]!]);
      send({ kind: 'result', histogram: pairs, sent, lastSent, received, last, closed });
    }
  } catch (err) {
    send({ kind: 'error', message: String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
