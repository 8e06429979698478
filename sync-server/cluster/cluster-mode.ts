/**
 * Cluster mode's wiring (REDIS_URL set): the node (fan-out, presence), the cross-instance connection
 * registry (revocation), `/healthz` with the fan-out's state and `/metrics`. server.ts calls this once and
 * hands its parts to the context and the doc registry.
 */
import type http from 'node:http';
import type { PasswordAttemptLimits } from '../auth/password-attempts.ts';
import type { Logger } from '../log.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import { ClusterConnections } from './cluster-connections.ts';
import { ClusterNode } from './cluster-node.ts';
import { ClusterMetrics } from './metrics.ts';
import { sharedPasswordAttemptLimits } from './shared-rate-limit.ts';

export interface ClusterMode {
  readonly node: ClusterNode;
  readonly connections: ClusterConnections;
  readonly metrics: ClusterMetrics;
  /** Password attempt limits counted across instances (shared-rate-limit.ts). */
  passwordAttempts(perIpPerMinute: number, perIpEmailPerMinute: number): PasswordAttemptLimits;
  /** `/healthz` and `/metrics`; false for any other path. */
  handle(pathname: string, res: http.ServerResponse): boolean;
  close(): Promise<void>;
}

export function startClusterMode(opts: {
  readonly redisUrl: string;
  readonly headPollMs: number;
  readonly storage: Pick<DocumentStore, 'updatesSince' | 'loadDoc' | 'headSeqs'>;
  readonly log: Logger;
  readonly docs: () => number;
}): ClusterMode {
  const connections = new ClusterConnections();
  let node: ClusterNode | null = null;
  const metrics = new ClusterMetrics(
    () => connections.size,
    () => node?.link.up ?? false,
    opts.docs,
  );
  node = new ClusterNode({
    redisUrl: opts.redisUrl,
    storage: opts.storage,
    log: opts.log,
    metrics,
    headPollMs: opts.headPollMs,
  });
  connections.attach(node);
  node.start();
  const started = node;
  return {
    node: started,
    connections,
    metrics,
    passwordAttempts: (perIp, perIpEmail) => sharedPasswordAttemptLimits(started, perIp, perIpEmail),
    handle(pathname, res) {
      if (pathname === '/healthz') {
        const cluster = started.health();
        // Serving goes on without Redis (the head poll carries the fan-out): still 200, but it says so.
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ ok: true, cluster }));
        return true;
      }
      if (pathname === '/metrics') {
        void metrics.text().then((text) => {
          res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
          res.end(text);
        });
        return true;
      }
      return false;
    },
    close: () => started.close(),
  };
}
