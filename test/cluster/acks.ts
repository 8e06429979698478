/**
 * What the instances have acknowledged to the storm's clients. The server answers a client's sync step 1
 * only once every update that socket sent before it is committed (sync-session.ts `answerWhenSettled`),
 * so its step 2 acknowledges them: this is what the admin app relies on. Every `everyMs`, each client here
 * pauses its edits (the storm's hold), sends a step 1 on its current socket once that socket has caught up
 * (the server's step 1 has been answered, so the edits made offline went out before ours) and synced, and
 * edits on when the answer comes: it acknowledges the groups the client had made when it asked. (It
 * pauses because the server answers only once none of the socket's updates is in its pipeline: a client
 * sending an update every few ms would wait for its answer as long as it kept sending.)
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type { Client } from '../sync-server/helpers.ts';
import type { Storm } from './storm.ts';

const MESSAGE_SYNC = 0;

interface Tracked {
  ws: WebSocket | null;
  caughtUp: boolean;
  /** The count of groups made when the request in flight on `ws` was sent. */
  asked: number | null;
  acked: number;
}

export interface Acks {
  /** The group names acknowledged so far, over every client. */
  names(): Set<string>;
  stop(): void;
}

/**
 * `clients()`: the storm's clients now (a client moved to another instance is a new Client on its doc).
 * Call it while every client is connected and synced (right after spreadClients): the sockets open now
 * are taken as caught up, as everything their clients made went out on them live.
 */
export function acknowledge(clients: () => readonly Client[], s: Storm, tag = '', everyMs = 150): Acks {
  const tracked: Tracked[] = clients().map(() => ({ ws: null, caughtUp: false, asked: null, acked: 0 }));
  let first = true;
  const attach = (cl: Client, i: number) => {
    const t = tracked[i]!;
    const ws = cl.provider.ws as WebSocket | null;
    if (ws === t.ws) return;
    if (t.asked !== null) s.release(i); // asked on a socket now gone: no answer will come
    Object.assign(t, { ws, caughtUp: first && ws?.readyState === ws?.OPEN, asked: null });
    ws?.addEventListener('message', (ev: MessageEvent) => {
      if (t.ws !== ws) return;
      const d = decoding.createDecoder(new Uint8Array(ev.data as ArrayBuffer));
      if (decoding.readVarUint(d) !== MESSAGE_SYNC) return;
      const type = decoding.readVarUint(d);
      if (type === syncProtocol.messageYjsSyncStep1) t.caughtUp = true;
      else if (type === syncProtocol.messageYjsSyncStep2 && t.asked !== null) {
        t.acked = Math.max(t.acked, t.asked);
        t.asked = null;
        s.release(i);
      }
    });
  };
  const tick = () =>
    clients().forEach((cl, i) => {
      attach(cl, i);
      const t = tracked[i]!;
      const ws = t.ws;
      if (!ws || ws.readyState !== ws.OPEN || !t.caughtUp || !cl.provider.synced || t.asked !== null) return;
      s.hold(i); // takes effect before its next edit: what it made so far went out before this step 1
      t.asked = s.made(i);
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(e, cl.doc);
      ws.send(encoding.toUint8Array(e));
    });
  clients().forEach((cl, i) => {
    attach(cl, i);
  });
  first = false;
  // Attach early: a socket's first messages (the server's step 1) must not be missed, or it never acks.
  const watch = setInterval(() => {
    clients().forEach((cl, i) => {
      attach(cl, i);
    });
  }, 5);
  const ask = setInterval(tick, everyMs);
  return {
    names() {
      const out = new Set<string>();
      tracked.forEach((t, i) => {
        for (let n = 0; n < t.acked; n++) out.add(`${tag}c${i}-${n}`);
      });
      return out;
    },
    stop() {
      clearInterval(watch);
      clearInterval(ask);
      tracked.forEach((t, i) => {
        if (t.asked !== null) s.release(i);
      });
    },
  };
}
