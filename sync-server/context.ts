/** What every part of the server shares: configuration, storage, logs, live docs, limits. */
import type { ClientIp } from './auth/client-ip.ts';
import type { PasswordAttemptLimits } from './auth/password-attempts.ts';
import type { ServerConfig } from './config.ts';
import type { Logger } from './log.ts';
import type { Storage } from './storage/storage.ts';
import type { DocRegistry } from './sync/doc-registry.ts';

export interface ServerContext {
  readonly config: ServerConfig;
  readonly storage: Storage;
  readonly log: Logger;
  readonly registry: DocRegistry;
  /** Password attempts per IP and per IP+email (sign-in, invitations, resets): see password-attempts.ts. */
  readonly passwordAttempts: PasswordAttemptLimits;
  /** The client's address (X-Forwarded-For only from TRUSTED_PROXIES): the one place it is read. */
  readonly clientIp: ClientIp;
  /** The one-time setup token while no account exists (null afterwards). */
  setupToken: string | null;
  /** Set when shutting down: new requests and sockets are refused. */
  closing: boolean;
  /** Registers a cleanup to run at shutdown (open SSE streams); returns an unregister function. */
  onShutdown(fn: () => void): () => void;
}
