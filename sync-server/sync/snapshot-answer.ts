/**
 * Restart fast path: when the stored state is one snapshot with nothing logged after it, and that
 * snapshot's facts say this account's user is an active admin (exactly what the full check would find in
 * that state), a new client (empty state vector) gets our step 1 and the snapshot bytes as step 2 at once,
 * while the doc is still to be built. A client that has state, or whose step 1 does not come within
 * EARLY_WAIT_MS, takes the normal path. Everything else the client sends waits for the doc as usual.
 */
import * as Y from 'yjs';
import { decodeMessage, encodeStep1, encodeStep2 } from '../../core/index.ts';
import type { StoredDoc } from '../storage/document-store.ts';
import type { SyncSocket } from './sync-socket.ts';

/** A socket that may have been answered from the stored snapshot before the doc was built. */
export interface EarlySync {
  readonly stateVector: Uint8Array;
  /** Settles once the answer is written out (or given up); the doc is built after that. */
  readonly done: Promise<void>;
  /** True when step 1 and step 2 went out from the snapshot. */
  answered: boolean;
}

/** How long a new client's step 1 is waited for, and its answer's write, before the doc is built anyway. */
const EARLY_WAIT_MS = 250;
const EARLY_WRITE_MS = 2_000;

/** `empty`: a new client's step 1; `state`: a step 1 of a client that has state; null: anything else. */
function step1Kind(data: Uint8Array): 'empty' | 'state' | null {
  const msg = decodeMessage(data);
  if (msg?.kind !== 'step1') return null;
  try {
    return Y.decodeStateVector(msg.stateVector).size === 0 ? 'empty' : 'state';
  } catch {
    return 'state'; // malformed: the normal path answers it (and closes)
  }
}

/** Answers (or gets ready to answer) a new client from `stored`; null when the fast path does not apply. */
export function answerFromSnapshot(socket: SyncSocket, stored: StoredDoc, email: string): EarlySync | null {
  const { ws } = socket;
  const info = stored.snapshotInfo;
  const snapshot = stored.snapshot;
  if (!info || !snapshot || stored.updates.length > 0 || !socket.open) return null;
  if (!info.adminEmails.includes(email.toLowerCase())) return null;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const early = { stateVector: info.stateVector, done, answered: false };
  const answer = () => {
    socket.setHandler(null);
    if (!socket.open) return finish();
    early.answered = true;
    ws.send(encodeStep1(info.stateVector));
    ws.send(encodeStep2(snapshot), () => finish());
    setTimeout(finish, EARLY_WRITE_MS).unref();
  };
  ws.once('close', () => finish());
  const waiting = socket.waiting;
  const i = waiting.findIndex((m) => step1Kind(m) !== null);
  if (i >= 0) {
    if (step1Kind(waiting[i]!) !== 'empty') return null;
    waiting.splice(i, 1);
    answer();
    return early;
  }
  // The client's step 1 is still on its way: take it when it comes, queue the rest.
  let decided = false;
  socket.setHandler((data) => {
    const kind = decided ? null : step1Kind(data);
    if (kind === 'empty') {
      decided = true;
      return answer();
    }
    if (kind === 'state') {
      decided = true;
      socket.setHandler(null);
      finish();
    }
    socket.keep(data);
  });
  setTimeout(() => {
    if (decided) return;
    decided = true;
    socket.setHandler(null);
    finish();
  }, EARLY_WAIT_MS).unref();
  return early;
}
