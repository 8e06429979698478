/**
 * What every part of the server shares: configuration, storage, logs, live docs, limits, and every
 * registry and cache. The server's mutable state lives here and nowhere else (no module-level state), so
 * several servers in one process stay independent.
 */
import type { ClientIp } from './auth/client-ip.ts';
import type { ConnectionRegistry } from './auth/connections.ts';
import type { DecisionTokens } from './auth/decision-tokens.ts';
import type { PasswordAttemptLimits } from './auth/password-attempts.ts';
import type { ServerConfig } from './config.ts';
import type { HistoryRunner } from './history/history-runner.ts';
import type { AccessViewCache } from './http/access-view.ts';
import type { StreamCounts } from './http/stream-counts.ts';
import type { Logger } from './log.ts';
import type { Storage } from './storage/storage.ts';
import type { DocRegistry } from './sync/doc-registry.ts';
import type { WebhookSender } from './webhooks/webhook-sender.ts';

export interface ServerContext {
  readonly config: ServerConfig;
  readonly storage: Storage;
  readonly log: Logger;
  readonly registry: DocRegistry;
  /** Open sync sockets and event streams, closed by logout and revocation: see auth/connections.ts. */
  readonly connections: ConnectionRegistry;
  /** `/access` summaries per state and user: see http/access-view.ts. */
  readonly accessViews: AccessViewCache;
  /** Open `/access/events` streams per account. */
  readonly eventStreams: StreamCounts;
  /** Password attempts per IP and per IP+email (sign-in, invitations, resets): see password-attempts.ts. */
  readonly passwordAttempts: PasswordAttemptLimits;
  /** Decision tokens' one check, rate limits and batched use counts: see auth/decision-tokens.ts. */
  readonly decisionTokens: DecisionTokens;
  /** Permission-history reports: in worker threads, a few at a time (history/history-runner.ts). */
  readonly history: HistoryRunner;
  /** The client's address (X-Forwarded-For only from TRUSTED_PROXIES): the one place it is read. */
  readonly clientIp: ClientIp;
  /** Sends the webhooks' queued deliveries: see webhooks/webhook-sender.ts. */
  readonly webhooks: WebhookSender;
  /** The one-time setup token while no account exists (null afterwards). */
  setupToken: string | null;
  /** Set when shutting down: new requests and sockets are refused. */
  closing: boolean;
  /** Registers a cleanup to run at shutdown (open SSE streams); returns an unregister function. */
  onShutdown(fn: () => void): () => void;
}
