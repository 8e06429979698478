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

/**
 * A connection neither ready nor taking a step of its reconnect loop (a connect, an error, a retry) for
 * this long is stuck (a handshake on a socket that never answers has no timeout in node-redis): replaced
 * by a fresh one. One that is still retrying is left alone: node-redis retries a failed first connect and
 * every reconnect itself (6.3, `RedisSocket#connect`), and a replacement would only start it over.
 */
const STUCK_AFTER_MS = 8_000;
const STEPS = ['connect', 'ready', 'error', 'reconnecting'] as const;

export class RedisLink {
  commands: RedisConnection;
  pubsub: RedisConnection;
  private readonly pubsubReady: (() => void)[] = [];
  /** When each connection last took a step (STEPS). */
  private readonly lastStep = new WeakMap<RedisConnection, number>();
  private watchTimer: NodeJS.Timeout | null = null;
  /** Connections replaced because they were stuck. */
  replaced = 0;

  constructor(
    readonly url: string,
    private readonly log: Logger,
  ) {
    this.commands = this.watched(newRedisConnection(url, log, 'commands'));
    this.pubsub = this.newPubsub();
  }

  private watched(c: RedisConnection): RedisConnection {
    const step = () => this.lastStep.set(c, Date.now());
    for (const event of STEPS) c.on(event, step);
    step();
    return c;
  }

  private newPubsub(): RedisConnection {
    const c = this.watched(newRedisConnection(this.url, this.log, 'pubsub'));
    c.on('ready', () => {
      for (const fn of this.pubsubReady) fn();
    });
    return c;
  }

  /** Runs `fn` each time a pub/sub connection is ready (subscriptions are made again there). */
  onPubsubReady(fn: () => void): void {
    this.pubsubReady.push(fn);
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
    this.watchTimer = setInterval(() => this.watch(), 1_000);
    this.watchTimer.unref();
  }

  private watch(): void {
    const now = Date.now();
    for (const name of ['commands', 'pubsub'] as const) {
      const c = this[name];
      if (c.isReady || now - (this.lastStep.get(c) ?? now) < STUCK_AFTER_MS) continue;
      this.replaced++;
      this.log.warn({ connection: name }, 'redis connection stuck: replaced');
      void closeConnection(c);
      const fresh =
        name === 'commands' ? this.watched(newRedisConnection(this.url, this.log, name)) : this.newPubsub();
      this[name] = fresh;
      fresh.connect().catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.watchTimer) clearInterval(this.watchTimer);
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
