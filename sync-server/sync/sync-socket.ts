/**
 * A sync WebSocket before and after auth: frame checks (binary only, `maxMessagesPerSecond`), the one
 * `close` (every close names an error code; its close code comes from the error table, errors.ts), and
 * the inbox — messages that arrive while the socket is being authenticated and its doc loaded wait, in
 * order, until a handler takes them.
 */
import type { WebSocket } from 'ws';
import { fitCloseReason } from '../../core/index.ts';
import { closeCodeFor, type SocketErrorCode } from '../errors.ts';

/** Messages kept while nothing handles them yet (auth, doc loading). */
export const MAX_WAITING_MESSAGES = 1_000;
const RATE_WINDOW_MS = 1000;

export type MessageHandler = (data: Uint8Array) => void;

export class SyncSocket {
  /** Messages that arrived before a handler was set, oldest first. */
  readonly waiting: Uint8Array[] = [];
  private handler: MessageHandler | null = null;
  private closedByUs = false;
  private windowStart = Date.now();
  private windowCount = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly maxMessagesPerSecond: number,
  ) {
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('error', () => this.close('internal', 'Socket error'));
  }

  /** True once `close` was called (the socket may still be closing). */
  get closed(): boolean {
    return this.closedByUs;
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  close(code: SocketErrorCode, reason: string): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.ws.close(closeCodeFor(code), fitCloseReason(reason));
  }

  /** Who takes the next messages; null: they wait. */
  setHandler(handler: MessageHandler | null): void {
    this.handler = handler;
  }

  /** Keeps a message for later (dropped past MAX_WAITING_MESSAGES). */
  keep(data: Uint8Array): void {
    if (this.waiting.length < MAX_WAITING_MESSAGES) this.waiting.push(data);
  }

  private receive(data: WebSocket.RawData, isBinary: boolean) {
    if (this.closedByUs) return;
    const now = Date.now();
    if (now - this.windowStart >= RATE_WINDOW_MS) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    if (++this.windowCount > this.maxMessagesPerSecond)
      return this.close('too-many-messages', 'Too many messages');
    if (!isBinary) return this.close('malformed-message', 'Binary messages only');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.handler) this.handler(u8);
    else if (this.waiting.length < MAX_WAITING_MESSAGES) this.waiting.push(u8);
    else this.close('too-many-messages', 'Too many messages before sync');
  }
}
