/**
 * One y-websocket connection. Auth happens after the upgrade (browsers cannot read a refused upgrade):
 * credentials → workspace → active admin, else close 4401/4403 (every close names an error code; its
 * close code comes from the error table, sync-server/errors.ts). Messages that arrive meanwhile wait.
 * Then: our step 1 and awareness go out; client updates go through the doc's pipeline in order; a
 * rejected update closes the socket with 4422 and the reason.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
  decodeMessage,
  encodeAwareness,
  encodeStep1,
  encodeStep2,
  fitCloseReason,
  type WorkspaceState,
} from '../../core/index.ts';
import { authenticate, type Principal } from '../auth/authenticate.ts';
import { registerConnection, watchCredentials } from '../auth/connections.ts';
import { credentialsFrom, originAllowed } from '../auth/credentials.ts';
import { userByEmail, userByEmailInDoc } from '../auth/member-of.ts';
import type { ServerContext } from '../context.ts';
import { closeCodeFor, type SocketErrorCode } from '../errors.ts';
import type { StoredDoc } from '../storage/document-store.ts';
import { guardAwarenessUpdate } from './awareness-guard.ts';
import type { Actor, DocPeer, LiveDoc } from './live-doc.ts';

/** Close a consumer that cannot keep up rather than buffer without bound. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Updates of one socket waiting in the pipeline. */
const MAX_PENDING_UPDATES = 2_000;
const PING_INTERVAL_MS = 30_000;
const MAX_WAITING_MESSAGES = 1_000;

export function handleSyncConnection(
  ctx: ServerContext,
  ws: WebSocket,
  req: IncomingMessage,
  slug: string,
  query: URLSearchParams,
): void {
  const waiting: Uint8Array[] = [];
  let onMessage: ((data: Uint8Array) => void) | null = null;
  let closed = false;
  let windowStart = Date.now();
  let windowCount = 0;

  const close = (code: SocketErrorCode, reason: string) => {
    if (closed) return;
    closed = true;
    ws.close(closeCodeFor(code), fitCloseReason(reason));
  };

  ws.on('message', (data, isBinary) => {
    if (closed) return;
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      windowCount = 0;
    }
    if (++windowCount > ctx.config.maxMessagesPerSecond)
      return close('too-many-messages', 'Too many messages');
    if (!isBinary) return close('malformed-message', 'Binary messages only');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (onMessage) onMessage(u8);
    else if (waiting.length < MAX_WAITING_MESSAGES) waiting.push(u8);
    else close('too-many-messages', 'Too many messages before sync');
  });
  ws.on('error', () => close('internal', 'Socket error'));

  void (async () => {
    const refuse = (code: SocketErrorCode, reason: string) => {
      ctx.log.info({ workspace: slug.slice(0, 40), code }, 'sync refused');
      close(code, reason);
    };
    const creds = credentialsFrom(req, query);
    if (!creds) return refuse('unauthorized', 'Sign in first');
    if (creds.via === 'cookie' && !originAllowed(req, ctx.config.publicUrl, ctx.config.allowedOrigins))
      return refuse('bad-origin', 'Origin not allowed');
    let principal: Principal | null;
    try {
      principal = await authenticate(ctx.storage, creds.token);
    } catch {
      return refuse('internal', 'Try again');
    }
    if (!principal) return refuse('unauthorized', 'Session expired or token not valid');
    const workspace = await ctx.storage.workspaceBySlug(slug.toLowerCase()).catch(() => null);
    if (!workspace || (principal.workspaceId !== null && principal.workspaceId !== workspace.id))
      return refuse('forbidden', 'Not an admin of this workspace');
    if (closed) return;
    let live: LiveDoc;
    let early: EarlySync | null = null;
    try {
      live = await ctx.registry.acquire(workspace, (stored, hold) => {
        early = answerFromSnapshot(ws, stored, principal.account.email, waiting, (h) => {
          onMessage = h;
        });
        if (early) hold(early.done);
      });
    } catch (err) {
      ctx.log.error({ err }, 'loading a doc failed');
      return refuse('storage-failed', 'Could not load the workspace');
    }
    const email = principal.account.email;
    const user = userByEmailInDoc(live.doc, email);
    if (closed || !user || user.status !== 'active' || user.role !== 'admin') {
      ctx.registry.release(live);
      return refuse('forbidden', 'Not an admin of this workspace');
    }
    attach(
      ctx,
      ws,
      live,
      principal,
      user.id,
      waiting,
      close,
      (h) => {
        onMessage = h;
      },
      () => closed,
      early,
    );
  })().catch((err) => {
    ctx.log.error({ err }, 'sync connection setup failed');
    close('internal', 'Internal error');
  });
}

function attach(
  ctx: ServerContext,
  ws: WebSocket,
  live: LiveDoc,
  principal: Principal,
  userId: string,
  waiting: Uint8Array[],
  close: (code: SocketErrorCode, reason: string) => void,
  setHandler: (h: (data: Uint8Array) => void) => void,
  isClosed: () => boolean,
  early: EarlySync | null,
): void {
  const { account } = principal;
  const actor: Actor = { accountId: account.id, email: account.email, name: account.name };
  const identity = { accountId: account.id, userId, name: account.name, email: account.email };
  const ownedClients = new Set<number>();
  let pending = 0;
  /** Settles when this socket's last submitted update has gone through the pipeline. */
  let lastSubmit: Promise<unknown> = Promise.resolve();

  /**
   * Our step 2 doubles as an acknowledgement (the admin app sends a step 1 after its edits and treats the
   * answer as "everything before it was accepted"), so a step 1 is answered only after every update this
   * socket sent before it has been committed or refused — refused means closed, and no answer.
   */
  const answerStep1 = (stateVector: Uint8Array) => {
    if (isClosed()) return;
    let update: Uint8Array;
    try {
      update =
        stateVector.length === 1 && stateVector[0] === 0
          ? live.encodeFullState()
          : Y.encodeStateAsUpdate(live.doc, stateVector);
    } catch {
      return close('malformed-message', 'Malformed state vector');
    }
    peer.send(encodeStep2(update));
  };

  const peer: DocPeer = {
    send(message) {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return close('too-slow', 'Too slow; reconnect');
      ws.send(message);
    },
    recheck(state: WorkspaceState) {
      const u = userByEmail(state, account.email);
      if (u?.status !== 'active' || u.role !== 'admin') close('forbidden', 'No longer an admin here');
    },
  };

  // Logout, token revocation and revoked sessions close the socket at once; expiry within a recheck.
  const signedOut = () => close('unauthorized', 'Session ended or token revoked; sign in again');
  const unregister = registerConnection({
    accountId: account.id,
    tokenHash: principal.tokenHash,
    tokenId: principal.tokenId,
    workspaceId: live.workspace.id,
    close: (reason) =>
      reason === 'signed-out' ? signedOut() : close('forbidden', 'No longer an admin here'),
  });
  const stopWatching = watchCredentials(ctx.storage, principal, ctx.config.credentialRecheckMs, signedOut);
  live.peers.add(peer);

  const handle = (data: Uint8Array) => {
    if (isClosed()) return;
    const msg = decodeMessage(data);
    if (!msg) return close('malformed-message', 'Malformed message');
    switch (msg.kind) {
      case 'step1': {
        if (pending === 0) answerStep1(msg.stateVector);
        else void lastSubmit.then(() => answerStep1(msg.stateVector));
        return;
      }
      case 'update': {
        if (++pending > MAX_PENDING_UPDATES) return close('too-many-messages', 'Too many pending updates');
        const change = { kind: 'update', update: msg.update, catchUp: msg.step2 } as const;
        lastSubmit = live.submit(change, actor, 'sync', peer).then((r) => {
          pending--;
          if (!r.ok) {
            ctx.log.warn(
              { workspace: live.workspace.slug, account: account.id, code: r.error.code },
              'update rejected',
            );
            close(r.error.code, r.error.message);
          }
        });
        return;
      }
      case 'awareness': {
        const guarded = guardAwarenessUpdate(msg.update, peer, ownedClients, live.awarenessOwners, identity);
        if (guarded) {
          try {
            applyAwarenessUpdate(live.awareness, guarded, peer);
          } catch {
            close('malformed-message', 'Malformed awareness update');
          }
        }
        return;
      }
      case 'queryAwareness': {
        const clients = [...live.awareness.getStates().keys()];
        if (clients.length > 0) peer.send(encodeAwareness(encodeAwarenessUpdate(live.awareness, clients)));
        return;
      }
      case 'auth':
        return;
    }
  };

  let alive = true;
  ws.on('pong', () => {
    alive = true;
  });
  const ping = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, PING_INTERVAL_MS);

  ws.on('close', () => {
    clearInterval(ping);
    live.peers.delete(peer);
    unregister();
    stopWatching();
    for (const id of ownedClients) live.awarenessOwners.delete(id);
    if (ownedClients.size > 0) removeAwarenessStates(live.awareness, [...ownedClients], 'connection closed');
    ctx.registry.release(live);
  });
  if (isClosed() || ws.readyState !== ws.OPEN) {
    // Closed while we were authenticating: the close handler above may not fire again.
    if (ws.readyState === ws.CLOSED) ws.emit('close');
    return;
  }

  if (!early?.answered) peer.send(encodeStep1(Y.encodeStateVector(live.doc)));
  else {
    // Answered from the snapshot: send what was committed since (nothing, unless a change got in
    // between the doc being built and this socket joining its peers).
    const sv = Y.encodeStateVector(live.doc);
    if (!sameBytes(sv, early.stateVector))
      peer.send(encodeStep2(Y.encodeStateAsUpdate(live.doc, early.stateVector)));
  }
  const clients = [...live.awareness.getStates().keys()];
  if (clients.length > 0) peer.send(encodeAwareness(encodeAwarenessUpdate(live.awareness, clients)));
  setHandler(handle);
  for (const m of waiting.splice(0)) handle(m);
}

/** A socket that may have been answered from the stored snapshot before the doc was built. */
interface EarlySync {
  readonly stateVector: Uint8Array;
  /** Settles once the answer is written out (or given up); the doc is built after that. */
  readonly done: Promise<void>;
  /** True when step 1 and step 2 went out from the snapshot. */
  answered: boolean;
}

/** How long a new client's step 1 is waited for, and its answer's write, before the doc is built anyway. */
const EARLY_WAIT_MS = 250;
const EARLY_WRITE_MS = 2_000;

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

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

/**
 * Restart fast path: when the stored state is one snapshot with nothing logged after it, and that
 * snapshot's facts say this account's user is an active admin (exactly what the full check would find in
 * that state), a new client (empty state vector) gets our step 1 and the snapshot bytes as step 2 at once,
 * while the doc is still to be built. A client that has state, or whose step 1 does not come within
 * EARLY_WAIT_MS, takes the normal path. Everything else the client sends waits for the doc as usual.
 */
function answerFromSnapshot(
  ws: WebSocket,
  stored: StoredDoc,
  email: string,
  waiting: Uint8Array[],
  setHandler: (h: ((data: Uint8Array) => void) | null) => void,
): EarlySync | null {
  const info = stored.snapshotInfo;
  const snapshot = stored.snapshot;
  if (!info || !snapshot || stored.updates.length > 0 || ws.readyState !== ws.OPEN) return null;
  if (!info.adminEmails.includes(email.toLowerCase())) return null;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const early = { stateVector: info.stateVector, done, answered: false };
  const answer = () => {
    setHandler(null);
    if (ws.readyState !== ws.OPEN) return finish();
    early.answered = true;
    ws.send(encodeStep1(info.stateVector));
    ws.send(encodeStep2(snapshot), () => finish());
    setTimeout(finish, EARLY_WRITE_MS).unref();
  };
  ws.once('close', () => finish());
  const i = waiting.findIndex((m) => step1Kind(m) !== null);
  if (i >= 0) {
    if (step1Kind(waiting[i]!) !== 'empty') return null;
    waiting.splice(i, 1);
    answer();
    return early;
  }
  // The client's step 1 is still on its way: take it when it comes, queue the rest.
  let decided = false;
  setHandler((data) => {
    const kind = decided ? null : step1Kind(data);
    if (kind === 'empty') {
      decided = true;
      return answer();
    }
    if (kind === 'state') {
      decided = true;
      setHandler(null);
      finish();
    }
    if (waiting.length < MAX_WAITING_MESSAGES) waiting.push(data);
  });
  setTimeout(() => {
    if (decided) return;
    decided = true;
    setHandler(null);
    finish();
  }, EARLY_WAIT_MS).unref();
  return early;
}
