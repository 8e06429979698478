/**
 * An authorized sync socket attached to its workspace doc: our step 1 (or what was committed since a
 * snapshot answer) and the awareness go out first; then client updates go through the doc's pipeline in
 * order, and a refused update closes the socket with its error's close code (4422…) and reason.
 * Logout, token revocation and revoked sessions close it at once (ctx.connections); expiry within a
 * credentials recheck; a demotion at the next commit that touches users.
 */
import { applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
  decodeMessage,
  encodeAwareness,
  encodeStep1,
  encodeStep2,
  isActiveAdminUser,
  type WorkspaceState,
} from '../../core/index.ts';
import type { Principal } from '../auth/authenticate.ts';
import { watchCredentials } from '../auth/connections.ts';
import { userByEmail } from '../auth/member-of.ts';
import type { ServerContext } from '../context.ts';
import { AwarenessGuard } from './awareness-guard.ts';
import type { Actor, ChangeError, DocPeer } from './change.ts';
import type { LiveDoc } from './live-doc.ts';
import type { EarlySync } from './snapshot-answer.ts';
import type { SyncSocket } from './sync-socket.ts';

/** Close a consumer that cannot keep up rather than buffer without bound. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024; // 32 MiB
/** Updates of one socket waiting in the pipeline. */
const MAX_PENDING_UPDATES = 2_000;
const PING_INTERVAL_MS = 30_000;
/**
 * A live edit made while a client reconnects can reach us before its catch-up (the step 2 answering our
 * step 1, which carries what it wrote offline) and depend on it. Such updates, refused as incomplete
 * before the catch-up arrived, are held and submitted again right after it — up to this many bytes and
 * this long; then the refusal stands.
 */
const MAX_HELD_BYTES = 8 * 1024 * 1024;
const HOLD_MS = 10_000;

export interface SyncSessionInit {
  readonly ctx: ServerContext;
  readonly socket: SyncSocket;
  readonly live: LiveDoc;
  readonly principal: Principal;
  /** The principal's user in the doc (an active admin when the session starts). */
  readonly userId: string;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export class SyncSession implements DocPeer {
  private readonly ctx: ServerContext;
  private readonly socket: SyncSocket;
  private readonly live: LiveDoc;
  private readonly principal: Principal;
  private readonly actor: Actor;
  private readonly awarenessGuard: AwarenessGuard;
  private pending = 0;
  /** Settles when this socket's last submitted update has gone through the pipeline. */
  private lastSubmit: Promise<unknown> = Promise.resolve();
  private alive = true;
  /** Until the client's first step 2 (its catch-up) arrives. */
  private awaitingCatchUp = true;
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;
  private holdTimer: NodeJS.Timeout | null = null;
  /** Step 1s (acknowledgement requests) waiting for held updates to be submitted again and settle. */
  private readonly deferredStep1: Uint8Array[] = [];

  constructor({ ctx, socket, live, principal, userId }: SyncSessionInit) {
    this.ctx = ctx;
    this.socket = socket;
    this.live = live;
    this.principal = principal;
    const { account } = principal;
    this.actor = { accountId: account.id, email: account.email, name: account.name };
    this.awarenessGuard = new AwarenessGuard(live.awarenessOwners, {
      accountId: account.id,
      userId,
      name: account.name,
      email: account.email,
    });
  }

  send(message: Uint8Array) {
    const { ws } = this.socket;
    if (!this.socket.open) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return this.socket.close('too-slow', 'Too slow; reconnect');
    ws.send(message);
  }

  recheck(state: WorkspaceState): void {
    const u = userByEmail(state, this.principal.account.email);
    if (!u || !isActiveAdminUser(u)) this.socket.close('forbidden', 'No longer an admin here');
  }

  /** Joins the doc's peers and starts serving; `early`: the snapshot answer already sent, if any. */
  start(early: EarlySync | null): void {
    const { ctx, socket, live, principal } = this;
    const { ws } = socket;
    const signedOut = () => socket.close('unauthorized', 'Session ended or token revoked; sign in again');
    const unregister = ctx.connections.register({
      accountId: principal.account.id,
      tokenHash: principal.tokenHash,
      tokenId: principal.tokenId,
      workspaceId: live.workspace.id,
      close: (reason) =>
        reason === 'signed-out' ? signedOut() : socket.close('forbidden', 'No longer an admin here'),
    });
    const stopWatching = watchCredentials(ctx.storage, principal, ctx.config.credentialRecheckMs, signedOut);
    live.peers.add(this);

    ws.on('pong', () => {
      this.alive = true;
    });
    const ping = setInterval(() => {
      if (!this.alive) return ws.terminate();
      this.alive = false;
      ws.ping();
    }, PING_INTERVAL_MS);

    ws.on('close', () => {
      clearInterval(ping);
      if (this.holdTimer) clearTimeout(this.holdTimer);
      live.peers.delete(this);
      unregister();
      stopWatching();
      const owned = this.awarenessGuard.owned;
      for (const id of owned) live.awarenessOwners.delete(id);
      if (owned.size > 0) removeAwarenessStates(live.awareness, [...owned], 'connection closed');
      ctx.registry.release(live);
    });
    if (socket.closed || !socket.open) {
      // Closed while we were authenticating: the close handler above may not fire again.
      if (ws.readyState === ws.CLOSED) ws.emit('close');
      return;
    }

    if (!early?.answered) this.send(encodeStep1(Y.encodeStateVector(live.doc)));
    else {
      // Answered from the snapshot: send what was committed since (nothing, unless a change got in
      // between the doc being built and this socket joining its peers).
      const sv = Y.encodeStateVector(live.doc);
      if (!sameBytes(sv, early.stateVector))
        this.send(encodeStep2(Y.encodeStateAsUpdate(live.doc, early.stateVector)));
    }
    this.sendAwareness();
    const handle = (data: Uint8Array) => this.handle(data);
    socket.setHandler(handle);
    for (const m of socket.waiting.splice(0)) handle(m);
  }

  private sendAwareness(): void {
    const { awareness } = this.live;
    const clients = [...awareness.getStates().keys()];
    if (clients.length > 0) this.send(encodeAwareness(encodeAwarenessUpdate(awareness, clients)));
  }

  /** The dispatch of y-websocket messages. */
  private handle(data: Uint8Array) {
    const { socket } = this;
    if (socket.closed) return;
    const msg = decodeMessage(data);
    if (!msg) return socket.close('malformed-message', 'Malformed message');
    switch (msg.kind) {
      case 'step1':
        return this.answerWhenSettled(msg.stateVector);
      case 'update':
        if (msg.step2 && this.awaitingCatchUp) {
          this.awaitingCatchUp = false;
          this.submit(msg.update, true);
          return this.releaseHeld();
        }
        return this.submit(msg.update, msg.step2);
      case 'awareness': {
        const guarded = this.awarenessGuard.guard(msg.update);
        if (!guarded) return;
        try {
          applyAwarenessUpdate(this.live.awareness, guarded, this);
        } catch {
          socket.close('malformed-message', 'Malformed awareness update');
        }
        return;
      }
      case 'queryAwareness':
        return this.sendAwareness();
      case 'auth':
        return;
    }
  }

  /**
   * Our step 2 doubles as an acknowledgement (the admin app sends a step 1 after its edits and treats the
   * answer as "everything before it was accepted"), so a step 1 is answered only after every update this
   * socket sent before it has been committed or refused — refused means closed, and no answer.
   */
  private answerStep1(stateVector: Uint8Array) {
    const { socket, live } = this;
    if (socket.closed) return;
    let update: Uint8Array;
    try {
      update =
        stateVector.length === 1 && stateVector[0] === 0
          ? live.encodeFullState()
          : Y.encodeStateAsUpdate(live.doc, stateVector);
    } catch {
      return socket.close('malformed-message', 'Malformed state vector');
    }
    this.send(encodeStep2(update));
  }

  /** Answers a step 1 once every update sent before it is committed or refused (held ones included). */
  private answerWhenSettled(stateVector: Uint8Array): void {
    if (this.held.length > 0) this.deferredStep1.push(stateVector);
    else if (this.pending === 0) this.answerStep1(stateVector);
    else void this.lastSubmit.then(() => this.answerWhenSettled(stateVector));
  }

  /**
   * A client update; `catchUp`: it came as sync step 2 (checked in core's 'merge' mode); `retry`: a held
   * update submitted again after the catch-up.
   */
  private submit(update: Uint8Array, catchUp: boolean, retry = false) {
    const { ctx, socket, live } = this;
    if (++this.pending > MAX_PENDING_UPDATES)
      return socket.close('too-many-messages', 'Too many pending updates');
    const beforeCatchUp = this.awaitingCatchUp && !catchUp && !retry;
    const change = { kind: 'update', update, catchUp } as const;
    this.lastSubmit = live.submit(change, this.actor, 'sync', this).then((r) => {
      this.pending--;
      if (r.ok) return;
      if (beforeCatchUp && r.error.code === 'incomplete-update') return this.hold(update, r.error);
      ctx.log.warn(
        { workspace: live.workspace.slug, account: this.principal.account.id, code: r.error.code },
        'update rejected',
      );
      socket.close(r.error.code, r.error.message);
    });
  }

  private hold(update: Uint8Array, error: ChangeError): void {
    const { socket } = this;
    // The catch-up came in meanwhile and is ahead of this in the pipeline: submit it again at once.
    if (!this.awaitingCatchUp) {
      this.submit(update, false, true);
      return;
    }
    this.held.push(update);
    this.heldBytes += update.length;
    if (this.heldBytes > MAX_HELD_BYTES) {
      socket.close('too-many-messages', 'Too many held updates');
      return;
    }
    this.holdTimer ??= setTimeout(() => {
      this.holdTimer = null;
      if (this.held.length > 0) socket.close(error.code, error.message);
    }, HOLD_MS);
  }

  private releaseHeld(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    const held = this.held.splice(0);
    this.heldBytes = 0;
    for (const update of held) this.submit(update, false, true);
    for (const sv of this.deferredStep1.splice(0)) this.answerWhenSettled(sv);
  }
}
