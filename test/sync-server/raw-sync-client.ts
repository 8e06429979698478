/**
 * A y-websocket client on a raw socket, for sending exactly the update a test crafts (as a live update or
 * as sync step 2) and learning the server's verdict: after the update it sends a step 1 probe, which the
 * server answers (step 2) only once the update has gone through the pipeline; a refusal closes the socket.
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  decodeMessage,
  encodeStep1,
  encodeStep2,
  encodeUpdate,
  MESSAGE_SYNC,
  SYNC_STEP2,
  SYNC_UPDATE,
} from '../../core/index.ts';
import type { TestServer } from './helpers.ts';

export type Verdict =
  | { readonly accepted: true }
  | { readonly accepted: false; code: number; reason: string };

export interface RawSyncClient {
  /** The client's replica: the server's state, plus what this client wrote and the server accepted. */
  readonly doc: Y.Doc;
  /** Writes `change` to a copy of the replica and sends the resulting update; resolves with the verdict. */
  write(change: (doc: Y.Doc) => void, options?: { asStep2?: boolean }): Promise<Verdict>;
  /** Sends bytes as they are (an update the test built by hand). */
  sendUpdate(update: Uint8Array, options?: { asStep2?: boolean }): Promise<Verdict>;
  readonly closed: boolean;
  close(): void;
}

/** Reads one sync message from the server: its step and payload, or null for other messages. */
function readSync(data: Uint8Array): { step: number; payload: Uint8Array } | null {
  if (data[0] !== MESSAGE_SYNC) return null;
  // Same layout as the client's messages: varUint(0) varUint(step) varUint8Array(payload).
  const msg = decodeMessage(data);
  if (!msg) return null;
  if (msg.kind === 'step1') return { step: 0, payload: msg.stateVector };
  if (msg.kind === 'update') return { step: msg.step2 ? SYNC_STEP2 : SYNC_UPDATE, payload: msg.update };
  return null;
}

export async function openRawSyncClient(t: TestServer, slug: string, token: string): Promise<RawSyncClient> {
  const ws = new WebSocket(`${t.wsUrl}/${slug}?token=${encodeURIComponent(token)}`);
  ws.binaryType = 'nodebuffer';
  const doc = new Y.Doc();
  let closed: { code: number; reason: string } | null = null;
  const waiters: ((v: Verdict) => void)[] = [];
  let firstSync: (() => void) | null = null;
  let failFirstSync: ((e: Error) => void) | null = null;
  const synced = new Promise<void>((resolve, reject) => {
    firstSync = resolve;
    failFirstSync = reject;
    ws.once('error', reject);
  });
  ws.on('message', (raw: Buffer) => {
    const m = readSync(new Uint8Array(raw));
    if (!m) return;
    // As every y-protocols client does: the server's step 1 is answered with a step 2 (our catch-up).
    if (m.step === 0) ws.send(encodeStep2(Y.encodeStateAsUpdate(doc, m.payload)));
    if (m.step === SYNC_STEP2 || m.step === SYNC_UPDATE) Y.applyUpdate(doc, m.payload, 'server');
    if (m.step !== SYNC_STEP2) return;
    if (firstSync) {
      firstSync();
      firstSync = null;
      return;
    }
    waiters.shift()?.({ accepted: true });
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    for (const w of waiters.splice(0)) w({ accepted: false, ...closed });
    failFirstSync?.(new Error(`closed before the first sync: ${code} ${closed.reason}`));
    firstSync = null;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(encodeStep1(Y.encodeStateVector(new Y.Doc())));
  await synced;

  const sendUpdate = (update: Uint8Array, options: { asStep2?: boolean } = {}): Promise<Verdict> => {
    if (closed) return Promise.resolve({ accepted: false, ...(closed as { code: number; reason: string }) });
    return new Promise<Verdict>((resolve) => {
      waiters.push((v) => {
        if (v.accepted) Y.applyUpdate(doc, update, 'self');
        resolve(v);
      });
      ws.send(options.asStep2 ? encodeStep2(update) : encodeUpdate(update));
      ws.send(encodeStep1(Y.encodeStateVector(doc)));
    });
  };

  return {
    doc,
    get closed() {
      return closed !== null;
    },
    write(change, options) {
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
      // A fresh client id per write, as if each came from another replica: the server must not care.
      const updates: Uint8Array[] = [];
      copy.on('update', (u: Uint8Array) => updates.push(u));
      change(copy);
      copy.destroy();
      if (updates.length === 0) return Promise.resolve({ accepted: true });
      return sendUpdate(Y.mergeUpdates(updates), options);
    },
    sendUpdate,
    close() {
      ws.close();
    },
  };
}
