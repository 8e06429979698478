/**
 * The workspace's webhook (Workspace settings → Notifications): where new access requests and decisions
 * are sent, signed. Server calls: they need the network. The server checks the URL (no private
 * addresses) and makes the signing secret, returned once on creation and rotation.
 */
import { confirmations } from '../state/confirm.svelte.ts';
import { type ApiResult, request } from './api.ts';

export interface WebhookHealth {
  /** The latest delivery that was tried did not get through. */
  readonly failing: boolean;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  readonly failed: number;
  readonly retrying: number;
}

export interface WebhookInfo {
  readonly url: string;
  readonly enabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly health: WebhookHealth;
}

export interface WebhookDeliveryInfo {
  readonly id: string;
  readonly event: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly createdAt: number;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: number | null;
  readonly deliveredAt: number | null;
}

const base = (ws: string) => `/api/workspaces/${encodeURIComponent(ws)}/webhook`;

export const webhookService = {
  get: (ws: string): Promise<ApiResult<{ webhook: WebhookInfo | null }>> => request('GET', base(ws)),

  /** Saves URL and on/off; `secret` is set only when this created the webhook. */
  save: (
    ws: string,
    url: string,
    enabled: boolean,
  ): Promise<ApiResult<{ webhook: WebhookInfo; secret: string | null }>> =>
    request('PUT', base(ws), { url, enabled }),

  deliveries: (ws: string): Promise<ApiResult<{ deliveries: WebhookDeliveryInfo[] }>> =>
    request('GET', `${base(ws)}/deliveries`),

  test: (ws: string): Promise<ApiResult<{ delivery: WebhookDeliveryInfo }>> =>
    request('POST', `${base(ws)}/test`),

  /** Asks, then rotates: the new secret, or null when the admin said no. */
  async rotate(ws: string): Promise<ApiResult<{ webhook: WebhookInfo; secret: string }> | null> {
    const ok = await confirmations.ask({
      title: 'Rotate the signing secret',
      message:
        'Deliveries are signed with the new secret from now on: the receiver must be given it, or it will reject them. Do you want to continue?',
      confirmLabel: 'Rotate',
      danger: true,
    });
    return ok ? request('POST', `${base(ws)}/rotate-secret`) : null;
  },

  /** Asks, then removes the webhook and its deliveries: true when removed. */
  async remove(ws: string): Promise<ApiResult<null> | null> {
    const ok = await confirmations.ask({
      title: 'Remove the webhook',
      message: 'No more notifications are sent, and the delivery history goes. Do you want to continue?',
      confirmLabel: 'Remove',
      danger: true,
    });
    return ok ? request('DELETE', base(ws)) : null;
  },
};

/** Event types in words, for the deliveries table. */
export const EVENT_WORDS: Record<string, string> = {
  'access_request.created': 'Request created',
  'access_request.approved': 'Request approved',
  'access_request.denied': 'Request denied',
  'access_request.cancelled': 'Request cancelled',
  'webhook.test': 'Test event',
};
