/**
 * `/metrics` in Prometheus text format (prom-client), one registry per server (several servers may share
 * a process in tests): updates committed here, relayed from other instances, backfilled from PostgreSQL,
 * reader-loop restarts, open sockets and whether Redis is up.
 */
import { Counter, Gauge, Registry } from 'prom-client';

export class ClusterMetrics {
  readonly registry = new Registry();
  readonly committed = new Counter({
    name: 'gatehouse_updates_committed_total',
    help: 'Updates committed by this instance',
    registers: [this.registry],
  });
  readonly relayed = new Counter({
    name: 'gatehouse_updates_relayed_total',
    help: 'Committed updates of other instances applied here from the Redis stream',
    registers: [this.registry],
  });
  readonly backfilled = new Counter({
    name: 'gatehouse_updates_backfilled_total',
    help: 'Committed updates fetched from PostgreSQL after a gap or by the head poll',
    registers: [this.registry],
  });
  readonly readerRestarts = new Counter({
    name: 'gatehouse_reader_loop_restarts_total',
    help: 'Times the Redis stream reader loop was restarted after it failed or stalled',
    registers: [this.registry],
  });
  readonly publishFailures = new Counter({
    name: 'gatehouse_stream_publish_failures_total',
    help: 'XADDs that failed (Redis down); the head poll of other instances covers them',
    registers: [this.registry],
  });

  constructor(sockets: () => number, redisUp: () => boolean, docs: () => number) {
    new Gauge({
      name: 'gatehouse_sockets',
      help: 'Open sync sockets and event streams on this instance',
      registers: [this.registry],
      collect() {
        this.set(sockets());
      },
    });
    new Gauge({
      name: 'gatehouse_redis_up',
      help: '1 when this instance can send commands to Redis',
      registers: [this.registry],
      collect() {
        this.set(redisUp() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gatehouse_live_docs',
      help: 'Workspace docs in memory on this instance',
      registers: [this.registry],
      collect() {
        this.set(docs());
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
