/**
 * Webhooks (issue 16): per workspace one URL that receives new access requests and decisions as signed
 * JSON, and a durable outbox of deliveries. The signing secret is stored sealed (secret-box.ts) and read
 * only by the sender; the API never returns it after creation or rotation. A delivery is claimed by one
 * sender at a time (a lease: `lease_until`), so several instances over one PostgreSQL never send it
 * twice at once; each attempt's outcome is recorded with the next retry, for admins to see.
 */
import { newRowId } from './row-id.ts';
import type { Row } from './rows.ts';

/** Deliveries kept per workspace (the newest; those still to be sent are never dropped). */
export const WEBHOOK_DELIVERIES_KEPT = 100;

export interface Webhook {
  readonly workspaceId: string;
  readonly url: string;
  readonly enabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  /** Also the payload's `id` and the `Gatehouse-Delivery` header: receivers deduplicate by it. */
  readonly id: string;
  readonly workspaceId: string;
  /** `access_request.created`, `access_request.approved`, `access_request.denied`, `webhook.test`. */
  readonly event: string;
  /** The JSON body exactly as sent (signed byte for byte). */
  readonly payload: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  /** When the next attempt is due (pending only). */
  readonly nextAttemptAt: number | null;
  readonly lastAttemptAt: number | null;
  /** The receiver's HTTP status at the last attempt; null when it gave none (network, timeout, refused). */
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly deliveredAt: number | null;
}

/** The outcome of one attempt, as the sender records it. */
export interface WebhookAttempt {
  readonly at: number;
  readonly status: WebhookDeliveryStatus;
  readonly httpStatus: number | null;
  readonly error: string | null;
  /** Pending: when to try again; else null. */
  readonly nextAttemptAt: number | null;
}

export interface WebhookStore {
  webhookOf(workspaceId: string): Promise<Webhook | null>;
  /** The signing secret, opened (SecretKeyError when the key cannot open it); null without a webhook. */
  webhookSecret(workspaceId: string): Promise<string | null>;
  /** Creates or changes the workspace's webhook; `secret` (plain, sealed here) replaces the stored one. */
  putWebhook(input: {
    workspaceId: string;
    url: string;
    enabled: boolean;
    secret?: string;
    at: number;
  }): Promise<Webhook>;
  /** Removes the webhook and its deliveries. False when there was none. */
  deleteWebhook(workspaceId: string): Promise<boolean>;
  /** Queues a delivery due at `at`; drops the oldest finished ones past WEBHOOK_DELIVERIES_KEPT. */
  addWebhookDelivery(input: {
    id?: string;
    workspaceId: string;
    event: string;
    payload: string;
    at: number;
  }): Promise<WebhookDelivery>;
  /**
   * Takes up to `limit` pending deliveries due by `now` that nobody holds, and holds them until
   * `leaseUntil` (one sender at a time, across instances: PostgreSQL claims with SKIP LOCKED).
   */
  claimWebhookDeliveries(now: number, limit: number, leaseUntil: number): Promise<WebhookDelivery[]>;
  /** Records an attempt (attempts + 1) and releases the lease. */
  finishWebhookAttempt(id: string, attempt: WebhookAttempt): Promise<void>;
  /** The workspace's deliveries, newest first. */
  listWebhookDeliveries(workspaceId: string, limit: number): Promise<WebhookDelivery[]>;
  /** The earliest time a pending delivery is due (held ones: when their lease ends), or null. */
  nextWebhookDeliveryAt(): Promise<number | null>;
}

/** The tables, once for both backends (SQLite schema.ts, PostgreSQL postgres/migrations.ts). */
export const webhooksSql = (int: 'INTEGER' | 'BIGINT', bool: 'INTEGER' | 'BOOLEAN'): string => `
CREATE TABLE IF NOT EXISTS webhooks (
  workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
  url TEXT NOT NULL,
  enabled ${bool} NOT NULL,
  secret TEXT NOT NULL,                     -- sealed (secret-box.ts), never returned by the API
  created_at ${int} NOT NULL,               -- epoch ms, as every time here
  updated_at ${int} NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  event TEXT NOT NULL,
  payload TEXT NOT NULL,                    -- the body as signed and sent
  status TEXT NOT NULL,                     -- pending | delivered | failed
  attempts ${int} NOT NULL DEFAULT 0,
  next_attempt_at ${int},
  lease_until ${int},                       -- held by a sender until then
  last_attempt_at ${int},
  last_status ${int},
  last_error TEXT,
  created_at ${int} NOT NULL,
  delivered_at ${int}
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_ws ON webhook_deliveries(workspace_id, created_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
`;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const toWebhook = (r: Row): Webhook => ({
  workspaceId: r.workspace_id as string,
  url: r.url as string,
  enabled: r.enabled === true || r.enabled === 1,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toWebhookDelivery = (r: Row): WebhookDelivery => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  event: r.event as string,
  payload: r.payload as string,
  status: r.status as WebhookDeliveryStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: num(r.next_attempt_at),
  lastAttemptAt: num(r.last_attempt_at),
  lastStatus: num(r.last_status),
  lastError: (r.last_error as string | null) ?? null,
  createdAt: Number(r.created_at),
  deliveredAt: num(r.delivered_at),
});

export const newWebhookDelivery = (
  input: Parameters<WebhookStore['addWebhookDelivery']>[0],
): WebhookDelivery => ({
  id: input.id ?? newRowId(),
  workspaceId: input.workspaceId,
  event: input.event,
  payload: input.payload,
  status: 'pending',
  attempts: 0,
  nextAttemptAt: input.at,
  lastAttemptAt: null,
  lastStatus: null,
  lastError: null,
  createdAt: input.at,
  deliveredAt: null,
});
