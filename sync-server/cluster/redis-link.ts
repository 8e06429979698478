/**
 * The instance's connections to Redis (node-redis): one for commands (XADD, PUBLISH, counters), one for
 * the blocking stream reader (a blocking XREAD holds its connection), one for pub/sub. Every connection
 * reconnects with backoff; commands fail at once while Redis is down (no offline queue: a late XADD is
 * worthless, the head poll heals), and `up` says whether commands can be sent now.
 */
import { createClient } from 'redis';
import type { Logger } from '../log.ts';

const connect = (url: string) =>
  createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: reconnectDelay, connectTimeout: 2_000 },
  });
export type RedisConnection = ReturnType<typeof connect>;

/** Backoff between reconnect attempts: 50 ms doubling, at most 2 s. */
export const reconnectDelay = (retries: number): number => Math.min(50 * 2 ** retries, 2_000);

export function newRedisConnection(url: string, log: Logger, name: string): RedisConnection {
  const client = connect(url);
  let lastError = '';
  client.on('error', (err: Error) => {
    // One line per distinct failure, not one per reconnect attempt.
    if (err.message === lastError) return;
    lastError = err.message;
    log.warn({ err: err.message, connection: name }, 'redis connection failed');
  });
  client.on('ready', () => {
    if (lastError) log.info({ connection: name }, 'redis connection back');
    lastError = '';
  });
  return client;
}

export class RedisLink {
  readonly commands: RedisConnection;
  readonly pubsub: RedisConnection;

  constructor(
    readonly url: string,
    private readonly log: Logger,
  ) {
    this.commands = newRedisConnection(url, log, 'commands');
    this.pubsub = newRedisConnection(url, log, 'pubsub');
  }

  /** A fresh connection for the blocking reader (replaced when its loop is restarted). */
  readerConnection(): RedisConnection {
    return newRedisConnection(this.url, this.log, 'reader');
  }

  get up(): boolean {
    return this.commands.isReady;
  }

  /** Starts connecting; a Redis that is down now is retried in the background (the server starts anyway). */
  start(): void {
    for (const c of [this.commands, this.pubsub]) c.connect().catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.commands, this.pubsub].map((c) => closeConnection(c)));
  }
}

export async function closeConnection(c: RedisConnection): Promise<void> {
  try {
    if (c.isOpen) c.destroy();
  } catch {
    // closed already
  }
}
