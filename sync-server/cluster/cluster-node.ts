/**
 * One instance's part in cluster mode (REDIS_URL set, over PostgreSQL): the fan-out of committed updates
 * through one Redis Stream per workspace, read by one blocking reader loop per instance (watched:
 * restarted when it fails or stalls), with a head poll of PostgreSQL every few seconds that bounds how
 * long a commit can stay unrelayed (Redis down, a crash between COMMIT and XADD). PostgreSQL is the only
 * truth: Redis carries news, and losing it loses nothing.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { DocumentStore, StoredDoc } from '../storage/document-store.ts';
import type { ClusterFeed, LiveDoc } from '../sync/live-doc.ts';
import { crashPoint } from './crash-points.ts';
import { DocFeed } from './doc-feed.ts';
import type { ClusterMetrics } from './metrics.ts';
import { PRESENCE_PATTERN, publishPresence, receivePresence } from './presence.ts';
import { closeConnection, type RedisConnection, RedisLink } from './redis-link.ts';
import { parseEntry, readReply, streamKey, xaddArgs } from './stream-entry.ts';

export interface ClusterNodeOptions {
  readonly redisUrl: string;
  readonly storage: Pick<DocumentStore, 'updatesSince' | 'loadDoc' | 'headSeqs'>;
  readonly log: Logger;
  readonly metrics: ClusterMetrics;
  /** How often the heads of loaded docs are read from PostgreSQL. */
  readonly headPollMs: number;
}

const BLOCK_MS = 1_000;
/** A reader loop that has not come back from XREAD for this long is wedged: restarted. */
const STALL_MS = 5_000;

export class ClusterNode {
  /** Fresh per process: never reused after a restart. */
  readonly instance = randomBytes(6).toString('hex');
  readonly link: RedisLink;
  private readonly feeds = new Map<string, DocFeed>();
  private reader: RedisConnection | null = null;
  private readerTick = Date.now();
  private readerError: string | null = null;
  private loopRunning = false;
  private stopped = false;
  private lastHeadPoll = 0;
  private headPollOk = true;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Extra pub/sub handlers (presence, revocation) by channel pattern. */
  private readonly subscriptions: [string, (message: string, channel: string) => void][] = [];

  constructor(private readonly options: ClusterNodeOptions) {
    this.link = new RedisLink(options.redisUrl, options.log);
  }

  start(): void {
    this.link.start();
    this.link.onPubsubReady(() => void this.resubscribe());
    this.onChannel(PRESENCE_PATTERN, (message, channel) => {
      const feed = this.feeds.get(channel.slice(3));
      if (feed) receivePresence(feed.live, this.instance, message);
    });
    this.startReader();
    this.timers.push(setInterval(() => this.watch(), 1_000));
    this.timers.push(setInterval(() => void this.pollHeads(), this.options.headPollMs));
    for (const t of this.timers) t.unref();
  }

  /** The LiveDoc hook (live-doc.ts `cluster`). */
  readonly feedFor = (live: LiveDoc, stored: StoredDoc): ClusterFeed => {
    const feed = new DocFeed(live, stored.lastSeq, {
      storage: this.options.storage,
      metrics: this.options.metrics,
      log: this.options.log,
      publish: (id, first, seq, update) => this.publish(id, first, seq, update),
      closed: (f) => {
        stopPresence();
        if (this.feeds.get(f.workspaceId) === f) this.feeds.delete(f.workspaceId);
      },
    });
    const stopPresence = publishPresence(live, this.instance, (ch, m) => this.publishMessage(ch, m));
    this.feeds.set(live.workspace.id, feed);
    return feed;
  };

  feed(workspaceId: string): DocFeed | null {
    return this.feeds.get(workspaceId) ?? null;
  }

  /** Subscribes to a channel pattern now and after every reconnect of the pub/sub connection. */
  onChannel(pattern: string, handler: (message: string, channel: string) => void): void {
    this.subscriptions.push([pattern, handler]);
    if (this.link.pubsub.isReady) void this.link.pubsub.pSubscribe(pattern, handler).catch(() => {});
  }

  /** Fire and forget: pub/sub news is best effort. */
  publishMessage(channel: string, message: string): void {
    if (!this.link.up) return;
    this.link.commands.publish(channel, message).catch(() => {});
  }

  private async resubscribe(): Promise<void> {
    for (const [pattern, handler] of this.subscriptions)
      await this.link.pubsub.pSubscribe(pattern, handler).catch(() => {});
  }

  private publish(workspaceId: string, first: number, seq: number, update: Uint8Array): void {
    crashPoint('before-xadd');
    if (!this.link.up) {
      this.options.metrics.publishFailures.inc();
      return;
    }
    const args = xaddArgs(workspaceId, { seq, first, instance: this.instance, update });
    this.link.commands.sendCommand(args).then(
      () => crashPoint('after-xadd'),
      () => this.options.metrics.publishFailures.inc(),
    );
  }

  // ---- the reader loop ----

  private startReader(): void {
    if (this.stopped || this.loopRunning) return;
    this.loopRunning = true;
    const conn = this.link.readerConnection();
    this.reader = conn;
    this.readerTick = Date.now();
    void this.readLoop(conn).finally(() => {
      if (this.reader === conn) this.loopRunning = false;
      void closeConnection(conn);
    });
  }

  private async readLoop(conn: RedisConnection): Promise<void> {
    try {
      await conn.connect();
    } catch (err) {
      this.readerError = (err as Error).message;
      return;
    }
    while (!this.stopped && this.reader === conn) {
      this.readerTick = Date.now();
      const feeds = [...this.feeds.values()];
      if (feeds.length === 0) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      let reply: unknown;
      try {
        reply = await conn.sendCommand([
          'XREAD',
          'COUNT',
          '500',
          'BLOCK',
          String(BLOCK_MS),
          'STREAMS',
          ...feeds.map((f) => streamKey(f.workspaceId)),
          ...feeds.map((f) => f.streamId),
        ]);
      } catch (err) {
        this.readerError = (err as Error).message;
        return; // the watch restarts the loop
      }
      this.readerError = null;
      for (const [key, entries] of readReply(reply)) {
        const feed = this.feeds.get(key.slice(3));
        if (!feed) continue;
        for (const [id, fields] of entries) {
          feed.streamId = id;
          const entry = parseEntry(fields);
          if (!entry) {
            this.options.log.warn({ key, id }, 'skipped a malformed stream entry');
            continue;
          }
          if (entry.instance === this.instance) continue;
          feed.onEntry(entry.first, entry.seq, entry.update);
        }
      }
    }
  }

  /** Restarts a reader loop that ended or stalled. */
  private watch(): void {
    if (this.stopped) return;
    const stalled = this.loopRunning && Date.now() - this.readerTick > STALL_MS + BLOCK_MS;
    if (this.loopRunning && !stalled) return;
    if (stalled) {
      this.readerError = 'reader loop stalled';
      const old = this.reader;
      this.reader = null;
      if (old) void closeConnection(old);
    }
    this.loopRunning = false;
    this.options.metrics.readerRestarts.inc();
    this.startReader();
  }

  // ---- the head poll ----

  private async pollHeads(): Promise<void> {
    if (this.stopped || this.feeds.size === 0) return;
    try {
      const heads = await this.options.storage.headSeqs([...this.feeds.keys()]);
      for (const [id, head] of heads) this.feeds.get(id)?.headIs(head);
      this.lastHeadPoll = Date.now();
      this.headPollOk = true;
    } catch {
      this.headPollOk = false;
    }
  }

  health(): ClusterHealth {
    const readerAlive = this.loopRunning && Date.now() - this.readerTick <= STALL_MS + BLOCK_MS;
    return {
      instance: this.instance,
      redis: this.link.up ? 'up' : 'down',
      readerLoop: readerAlive && this.reader?.isReady ? 'running' : 'restarting',
      readerError: this.readerError,
      fanout: this.link.up ? 'stream' : 'head-poll',
      headPoll: { ok: this.headPollOk, lastAt: this.lastHeadPoll || null },
      docs: this.feeds.size,
    };
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    const r = this.reader;
    this.reader = null;
    if (r) await closeConnection(r);
    await this.link.close();
  }
}

export interface ClusterHealth {
  readonly instance: string;
  readonly redis: 'up' | 'down';
  readonly readerLoop: 'running' | 'restarting';
  readonly readerError: string | null;
  readonly fanout: 'stream' | 'head-poll';
  readonly headPoll: { readonly ok: boolean; readonly lastAt: number | null };
  readonly docs: number;
}
