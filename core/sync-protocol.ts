/**
 * The y-websocket wire protocol, as spoken by the y-websocket 3.x client, and the server's close codes.
 * The one copy: the server, the admin app's sync link, the benches and the tests import it from here.
 *
 *   message      = varUint(type) payload
 *   type 0 sync  = varUint(0 step1) varUint8Array(stateVector)
 *                | varUint(1 step2) varUint8Array(update)
 *                | varUint(2 update) varUint8Array(update)
 *   type 1 awareness = varUint8Array(awarenessUpdate)
 *   type 2 auth  = varUint(0 permissionDenied) varString(reason)
 *   type 3 queryAwareness = (empty)
 *
 * `decodeMessage` never throws: junk yields `null`.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

export type SyncStep = typeof SYNC_STEP1 | typeof SYNC_STEP2 | typeof SYNC_UPDATE;

export type ClientMessage =
  | { readonly kind: 'step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'update'; readonly update: Uint8Array; readonly step2: boolean }
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  | { readonly kind: 'auth' }
  | { readonly kind: 'queryAwareness' };

export function decodeMessage(data: Uint8Array): ClientMessage | null {
  try {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    let msg: ClientMessage | null = null;
    switch (type) {
      case MESSAGE_SYNC: {
        const sub = decoding.readVarUint(d);
        const payload = decoding.readVarUint8Array(d);
        if (sub === SYNC_STEP1) msg = { kind: 'step1', stateVector: payload };
        else if (sub === SYNC_STEP2 || sub === SYNC_UPDATE)
          msg = { kind: 'update', update: payload, step2: sub === SYNC_STEP2 };
        break;
      }
      case MESSAGE_AWARENESS:
        msg = { kind: 'awareness', update: decoding.readVarUint8Array(d) };
        break;
      case MESSAGE_AUTH:
        msg = { kind: 'auth' };
        break;
      case MESSAGE_QUERY_AWARENESS:
        msg = { kind: 'queryAwareness' };
        break;
    }
    return msg;
  } catch {
    return null;
  }
}

/** A sync message (type 0) with sub-type `step`. */
export function encodeSync(step: SyncStep, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, step);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

export const encodeStep1 = (stateVector: Uint8Array): Uint8Array => encodeSync(SYNC_STEP1, stateVector);
export const encodeStep2 = (update: Uint8Array): Uint8Array => encodeSync(SYNC_STEP2, update);
export const encodeUpdate = (update: Uint8Array): Uint8Array => encodeSync(SYNC_UPDATE, update);

export function encodeAwareness(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/**
 * WebSocket close codes. 44xx are permanent for y-websocket ≥ 3.1 (the client stops reconnecting); which
 * error closes with which code is the error table's business (`core/errors.ts`, `sync-server/errors.ts`).
 */
export const CLOSE = {
  malformed: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  docTooLarge: 4413,
  rejected: 4422,
  /** Transient (45xx): the client backs off and reconnects. */
  tooManyMessages: 4529,
  /** Not 44xx: the client reconnects (server shutting down, storage failure). */
  goingAway: 1001,
  internal: 1011,
  /** Try again later (RFC 6455 1013): the server's database is unreachable; the client reconnects. */
  tryAgainLater: 1013,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/** Close codes that mean "sign in again" (expired or missing session) or "not an admin here". */
export const AUTH_CLOSE_CODES: readonly number[] = [CLOSE.unauthorized, CLOSE.forbidden];

/** RFC 6455: a close frame's reason is at most 123 bytes of UTF-8. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Cuts a close reason to what a close frame can carry, at a character boundary, with an ellipsis. */
export function fitCloseReason(reason: string): string {
  const bytesOf = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
  let total = 0;
  for (const ch of reason) total += bytesOf(ch.codePointAt(0)!);
  if (total <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = '';
  let used = 3; // the ellipsis
  for (const ch of reason) {
    const n = bytesOf(ch.codePointAt(0)!);
    if (used + n > MAX_CLOSE_REASON_BYTES) break;
    out += ch;
    used += n;
  }
  return `${out}…`;
}
