/**
 * Webhooks and their delivery outbox in PostgreSQL. Every instance runs a sender: a delivery is claimed
 * with `FOR UPDATE SKIP LOCKED` and a lease in one statement, so two instances never hold it at once, and
 * one that dies mid-send leaves it to another once the lease ends.
 */
import type { SecretBox } from '../secret-box.ts';
import {
  newWebhookDelivery,
  toWebhook,
  toWebhookDelivery,
  WEBHOOK_DELIVERIES_KEPT,
  type WebhookStore,
} from '../webhook-store.ts';
import type { Db } from './pool.ts';

export function postgresWebhookStore(db: Db, secrets: SecretBox): WebhookStore {
  const one = async (workspaceId: string) =>
    (await db.query('SELECT * FROM webhooks WHERE workspace_id = $1', [workspaceId])).rows[0] ?? null;
  return {
    async webhookOf(workspaceId) {
      const r = await one(workspaceId);
      return r ? toWebhook(r) : null;
    },
    async webhookSecret(workspaceId) {
      const r = await one(workspaceId);
      return r ? secrets.open(r.secret as string) : null;
    },
    async putWebhook(input) {
      const sealed = input.secret === undefined ? null : secrets.seal(input.secret);
      return db.tx(async (c) => {
        const changed = await c.query(
          `UPDATE webhooks SET url = $2, enabled = $3, updated_at = $4, secret = COALESCE($5, secret)
           WHERE workspace_id = $1 RETURNING *`,
          [input.workspaceId, input.url, input.enabled, input.at, sealed],
        );
        if (changed.rows[0]) return toWebhook(changed.rows[0]);
        if (sealed === null) throw new Error('A new webhook needs its secret');
        // Two first saves at once: the later one wins, as an update would.
        const { rows } = await c.query(
          `INSERT INTO webhooks (workspace_id, url, enabled, secret, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (workspace_id) DO UPDATE SET url = excluded.url, enabled = excluded.enabled,
             secret = excluded.secret, updated_at = excluded.updated_at
           RETURNING *`,
          [input.workspaceId, input.url, input.enabled, sealed, input.at],
        );
        return toWebhook(rows[0]!);
      });
    },
    async deleteWebhook(workspaceId) {
      return db.tx(async (c) => {
        await c.query('DELETE FROM webhook_deliveries WHERE workspace_id = $1', [workspaceId]);
        const r = await c.query('DELETE FROM webhooks WHERE workspace_id = $1', [workspaceId]);
        return (r.rowCount ?? 0) > 0;
      });
    },
    async addWebhookDelivery(input) {
      const d = newWebhookDelivery(input);
      await db.tx(async (c) => {
        await c.query(
          `INSERT INTO webhook_deliveries (id, workspace_id, event, payload, status, attempts, next_attempt_at, created_at)
           VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6)`,
          [d.id, d.workspaceId, d.event, d.payload, d.nextAttemptAt, d.createdAt],
        );
        await c.query(
          `DELETE FROM webhook_deliveries WHERE workspace_id = $1 AND status <> 'pending' AND id NOT IN (
             SELECT id FROM webhook_deliveries WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)`,
          [d.workspaceId, WEBHOOK_DELIVERIES_KEPT],
        );
      });
      return d;
    },
    async claimWebhookDeliveries(now, limit, leaseUntil) {
      if (limit <= 0) return [];
      const { rows } = await db.query(
        `UPDATE webhook_deliveries SET lease_until = $3 WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
             AND (lease_until IS NULL OR lease_until <= $1)
           ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now, limit, leaseUntil],
      );
      return rows.map(toWebhookDelivery).sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0));
    },
    async finishWebhookAttempt(id, a) {
      await db.query(
        `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_attempt_at = $3, last_status = $4,
           last_error = $5, next_attempt_at = $6, delivered_at = $7, lease_until = NULL WHERE id = $1`,
        [id, a.status, a.at, a.httpStatus, a.error, a.nextAttemptAt, a.status === 'delivered' ? a.at : null],
      );
    },
    async listWebhookDeliveries(workspaceId, limit) {
      const { rows } = await db.query(
        'SELECT * FROM webhook_deliveries WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
        [workspaceId, limit],
      );
      return rows.map(toWebhookDelivery);
    },
    async nextWebhookDeliveryAt() {
      const { rows } = await db.query(
        `SELECT MIN(GREATEST(next_attempt_at, COALESCE(lease_until, 0))) AS at FROM webhook_deliveries WHERE status = 'pending'`,
      );
      return rows[0]?.at ?? null;
    },
  };
}
