/** What every part of the server shares: configuration, storage, logs, live docs, limits. */
import type { RateLimiter } from './auth/rate-limit.ts';
import type { ServerConfig } from './config.ts';
import type { Logger } from './log.ts';
import type { Storage } from './storage/storage.ts';
import type { DocRegistry } from './sync/doc-registry.ts';

export interface ServerContext {
  readonly config: ServerConfig;
  readonly storage: Storage;
  readonly log: Logger;
  readonly registry: DocRegistry;
  readonly loginLimiter: RateLimiter;
  /** The one-time setup token while no account exists (null afterwards). */
  setupToken: string | null;
  /** Set when shutting down: new requests and sockets are refused. */
  closing: boolean;
  /** Registers a cleanup to run at shutdown (open SSE streams); returns an unregister function. */
  onShutdown(fn: () => void): () => void;
}
