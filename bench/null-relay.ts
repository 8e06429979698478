/**
 * The floor of the sync bench (bench/sync.ts): a y-websocket "server" that does nothing but relay, run as
 * its own process like the servers under test. It answers a client's step 1 with an empty step 2 and
 * forwards every update to every client of the room, what arrived in one turn of the event loop as one
 * message (the payloads end to end — not a valid Yjs update, but the bench's clients only scan the bytes).
 * No Yjs, no storage, no checks: what it relays per second is where the client processes and the machine
 * saturate, the most any server could show with these clients here.
 */
import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeMessage, encodeStep2, encodeUpdate } from '../core/index.ts';

const EMPTY_UPDATE = new Uint8Array([0, 0]);
const rooms = new Map<string, Set<WebSocket>>();
const queued = new Map<string, Uint8Array[]>();
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  for (const [room, parts] of queued) {
    let length = 0;
    for (const p of parts) length += p.length;
    const payload = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      payload.set(p, at);
      at += p.length;
    }
    const message = encodeUpdate(payload);
    for (const ws of rooms.get(room) ?? []) if (ws.readyState === WebSocket.OPEN) ws.send(message);
  }
  queued.clear();
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
wss.on('connection', (ws: WebSocket, room: string) => {
  let peers = rooms.get(room);
  if (!peers) rooms.set(room, (peers = new Set()));
  peers.add(ws);
  ws.on('close', () => peers.delete(ws));
  ws.on('message', (data: Buffer) => {
    const m = decodeMessage(data);
    if (m?.kind === 'step1') return ws.send(encodeStep2(EMPTY_UPDATE));
    if (m?.kind !== 'update') return;
    const payload = m.update;
    let parts = queued.get(room);
    if (!parts) queued.set(room, (parts = []));
    parts.push(payload);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
});

const server = http.createServer((_req, res) => res.end('ok'));
server.on('upgrade', (req, socket, head) =>
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req.url ?? '/')),
);
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
