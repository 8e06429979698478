/** Webhooks and their delivery outbox in SQLite (tables created at open; one process sends). */
import type { Row } from '../rows.ts';
import type { SecretBox } from '../secret-box.ts';
import {
  newWebhookDelivery,
  toWebhook,
  toWebhookDelivery,
  WEBHOOK_DELIVERIES_KEPT,
  type WebhookDelivery,
  type WebhookStore,
  webhooksSql,
} from '../webhook-store.ts';
import type { Db } from './open-database.ts';

export function sqliteWebhookStore(db: Db, secrets: SecretBox): WebhookStore {
  db.exec(webhooksSql('INTEGER', 'INTEGER'));
  const q = {
    one: db.prepare('SELECT * FROM webhooks WHERE workspace_id = ?'),
    insert: db.prepare(
      'INSERT INTO webhooks (workspace_id, url, enabled, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    update: db.prepare('UPDATE webhooks SET url = ?, enabled = ?, updated_at = ? WHERE workspace_id = ?'),
    setSecret: db.prepare('UPDATE webhooks SET secret = ? WHERE workspace_id = ?'),
    remove: db.prepare('DELETE FROM webhooks WHERE workspace_id = ?'),
    removeDeliveries: db.prepare('DELETE FROM webhook_deliveries WHERE workspace_id = ?'),
    addDelivery: db.prepare(
      `INSERT INTO webhook_deliveries (id, workspace_id, event, payload, status, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`,
    ),
    prune: db.prepare(
      `DELETE FROM webhook_deliveries WHERE workspace_id = ? AND status <> 'pending' AND id NOT IN (
         SELECT id FROM webhook_deliveries WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT ?)`,
    ),
    due: db.prepare(
      `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
         AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, id LIMIT ?`,
    ),
    lease: db.prepare('UPDATE webhook_deliveries SET lease_until = ? WHERE id = ? RETURNING *'),
    finish: db.prepare(
      `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_status = ?,
         last_error = ?, next_attempt_at = ?, delivered_at = ?, lease_until = NULL WHERE id = ?`,
    ),
    list: db.prepare(
      'SELECT * FROM webhook_deliveries WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
    ),
    next: db.prepare(
      `SELECT MIN(MAX(next_attempt_at, COALESCE(lease_until, 0))) AS at FROM webhook_deliveries WHERE status = 'pending'`,
    ),
  };
  const put = db.transaction((input: Parameters<WebhookStore['putWebhook']>[0]) => {
    const enabled = input.enabled ? 1 : 0;
    if (q.update.run(input.url, enabled, input.at, input.workspaceId).changes === 0) {
      if (input.secret === undefined) throw new Error('A new webhook needs its secret');
      q.insert.run(input.workspaceId, input.url, enabled, secrets.seal(input.secret), input.at, input.at);
    } else if (input.secret !== undefined) q.setSecret.run(secrets.seal(input.secret), input.workspaceId);
    return toWebhook(q.one.get(input.workspaceId) as Row);
  });
  const remove = db.transaction((workspaceId: string) => {
    q.removeDeliveries.run(workspaceId);
    return q.remove.run(workspaceId).changes > 0;
  });
  const add = db.transaction((d: WebhookDelivery) => {
    q.addDelivery.run(d.id, d.workspaceId, d.event, d.payload, d.nextAttemptAt, d.createdAt);
    q.prune.run(d.workspaceId, d.workspaceId, WEBHOOK_DELIVERIES_KEPT);
  });
  const claim = db.transaction((now: number, limit: number, leaseUntil: number) =>
    (q.due.all(now, now, limit) as { id: string }[]).map((r) =>
      toWebhookDelivery(q.lease.get(leaseUntil, r.id) as Row),
    ),
  );

  return {
    async webhookOf(workspaceId) {
      const r = q.one.get(workspaceId) as Row | undefined;
      return r ? toWebhook(r) : null;
    },
    async webhookSecret(workspaceId) {
      const r = q.one.get(workspaceId) as Row | undefined;
      return r ? secrets.open(r.secret as string) : null;
    },
    async putWebhook(input) {
      return put(input);
    },
    async deleteWebhook(workspaceId) {
      return remove(workspaceId);
    },
    async addWebhookDelivery(input) {
      const d = newWebhookDelivery(input);
      add(d);
      return d;
    },
    async claimWebhookDeliveries(now, limit, leaseUntil) {
      return limit > 0 ? claim(now, limit, leaseUntil) : [];
    },
    async finishWebhookAttempt(id, a) {
      const deliveredAt = a.status === 'delivered' ? a.at : null;
      q.finish.run(a.status, a.at, a.httpStatus, a.error, a.nextAttemptAt, deliveredAt, id);
    },
    async listWebhookDeliveries(workspaceId, limit) {
      return (q.list.all(workspaceId, limit) as Row[]).map(toWebhookDelivery);
    },
    async nextWebhookDeliveryAt() {
      const r = q.next.get() as { at: number | null };
      return r.at ?? null;
    },
  };
}
