/**
 * The workspace sync link (ARCHITECTURE.md "Admin app"): a y-websocket provider on `/sync/:ws`,
 * authenticated by the session cookie. The only module that imports y-websocket.
 *
 * Acknowledgements. The y-websocket protocol has no ack, so we make one: after local changes are sent we
 * send a sync step 1; the server answers it with a sync step 2 only after it has handled (validated and
 * stored) every earlier message on the socket, and refuses a bad update by closing with a 44xx code
 * instead. So each step 2 received acknowledges everything sent before the matching step 1 (FIFO).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { Awareness } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { AUTH_CLOSE_CODES, MESSAGE_SYNC, SYNC_STEP2 } from '../../../../core/index.ts';

export const MAX_BACKOFF_MS = 10_000;

/**
 * `offline`: the browser has no network. `unreachable`: it has, but the server cannot be reached (the
 * provider keeps retrying with backoff, up to MAX_BACKOFF_MS apart); `unreachableSince()` says since when.
 */
export type LinkStatus = 'offline' | 'connecting' | 'unreachable' | 'syncing' | 'synced';

export interface TerminalClose {
  readonly code: number;
  readonly reason: string;
  /** True for an expired session or a refused role; otherwise the server refused an update. */
  readonly auth: boolean;
}

export interface SyncLinkEvents {
  /** `unreachableSince`: set while the status is `unreachable`. */
  status(status: LinkStatus, unreachableSince: number | null): void;
  /** Everything sent before `token` was requested is stored by the server. */
  ack(token: number): void;
  closed(close: TerminalClose): void;
}

export interface SyncLink {
  readonly awareness: Awareness;
  status(): LinkStatus;
  /** When the server stopped answering (ms since the epoch), while the status is `unreachable`. */
  unreachableSince(): number | null;
  /** Asks the server to acknowledge everything sent so far; `ack(token)` follows. */
  requestAck(token: number): void;
  /** Resumes after a terminal close (e.g. after signing in again). */
  reconnect(): void;
  destroy(): void;
}

export interface SyncLinkOptions {
  /** e.g. `ws://localhost:8080/sync`. */
  readonly url: string;
  readonly room: string;
  readonly doc: Y.Doc;
  readonly on: Partial<SyncLinkEvents>;
  /**
   * Applies a sync step 2 that arrives while the doc holds nothing (a first sync): `apply` is what the
   * provider would do; the replica runs it without re-encoding the whole state (Replica.receiveInitialState).
   */
  readonly applyInitialState?: (apply: () => void) => void;
  /** Injected by tests. */
  readonly WebSocketPolyfill?: typeof WebSocket;
}

/** No state at all: the state vector lists no client. */
const isEmpty = (doc: Y.Doc) => doc.store.clients.size === 0;

export function defaultSyncUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/sync`;
}

export function createSyncLink(options: SyncLinkOptions): SyncLink {
  const { doc, on } = options;
  const awareness = new Awareness(doc);
  const provider = new WebsocketProvider(options.url, options.room, doc, {
    awareness,
    disableBc: true,
    connect: false,
    maxBackoffTime: MAX_BACKOFF_MS,
    ...(options.WebSocketPolyfill ? { WebSocketPolyfill: options.WebSocketPolyfill } : {}),
  });
  let status: LinkStatus = 'offline';
  let unreachableSince: number | null = null;
  const browserOnline = () => typeof navigator === 'undefined' || navigator.onLine !== false;
  /** Tokens of step-1 requests in flight, in send order; `null` is the provider's own opening step 1. */
  let waitingAcks: (number | null)[] = [];
  let pendingToken: number | null = null;

  const setStatus = (next: LinkStatus) => {
    if (next === status) return;
    status = next;
    on.status?.(next, next === 'unreachable' ? unreachableSince : null);
  };

  const sendStep1 = (token: number) => {
    const ws = provider.ws;
    if (!ws || !provider.wsconnected || ws.readyState !== 1) {
      pendingToken = Math.max(pendingToken ?? 0, token);
      return;
    }
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, doc);
    waitingAcks.push(token);
    ws.send(encoding.toUint8Array(encoder));
  };

  const originalSync = provider.messageHandlers[MESSAGE_SYNC];
  if (originalSync) {
    provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, prov, emitSynced, messageType) => {
      const syncType = decoding.peekVarUint(decoder);
      const apply = () => originalSync(encoder, decoder, prov, emitSynced, messageType);
      if (syncType === SYNC_STEP2 && options.applyInitialState && isEmpty(doc))
        options.applyInitialState(apply);
      else apply();
      if (syncType === SYNC_STEP2) {
        const token = waitingAcks.shift();
        if (token !== null && token !== undefined) on.ack?.(token);
      }
    };
  }

  /** A connection attempt failed or the socket dropped: offline if the browser is, else unreachable. */
  const lost = () => {
    if (!browserOnline()) {
      unreachableSince = null;
      setStatus('offline');
      return;
    }
    unreachableSince ??= Date.now();
    setStatus('unreachable');
  };
  provider.on('status', ({ status: s }) => {
    if (s === 'connected') {
      unreachableSince = null;
      waitingAcks = [null];
      setStatus('syncing');
    } else if (s === 'connecting') {
      // A retry: keep saying the server is unreachable until it answers.
      if (status !== 'syncing' && status !== 'unreachable') setStatus('connecting');
    } else {
      waitingAcks = [];
      if (provider.shouldConnect) lost();
      else setStatus('offline');
    }
  });
  provider.on('connection-error', () => {
    if (provider.shouldConnect) lost();
  });
  provider.on('sync', (synced) => {
    if (!synced) return;
    setStatus('synced');
    if (pendingToken !== null) {
      const t = pendingToken;
      pendingToken = null;
      sendStep1(t);
    }
  });
  provider.on('closed', (event) => {
    setStatus('offline');
    on.closed?.({ code: event.code, reason: event.reason, auth: AUTH_CLOSE_CODES.includes(event.code) });
  });

  const goOffline = () => {
    provider.disconnect();
    unreachableSince = null;
    setStatus('offline');
  };
  const goOnline = () => provider.connect();
  if (typeof window !== 'undefined') {
    window.addEventListener('offline', goOffline);
    window.addEventListener('online', goOnline);
  }
  if (typeof navigator === 'undefined' || navigator.onLine !== false) {
    setStatus('connecting');
    provider.connect();
  }

  return {
    awareness,
    status: () => status,
    unreachableSince: () => (status === 'unreachable' ? unreachableSince : null),
    requestAck: sendStep1,
    reconnect: () => provider.connect(),
    destroy() {
      if (typeof window !== 'undefined') {
        window.removeEventListener('offline', goOffline);
        window.removeEventListener('online', goOnline);
      }
      provider.destroy();
      awareness.destroy();
    },
  };
}
