/**
 * `/webhook` (admins): the workspace's webhook for access requests (issue 16) — its URL (checked against
 * private addresses, webhooks/webhook-url.ts) and on/off, the signing secret (made by the server, shown
 * once when created or rotated, stored sealed), a test event, and the recent deliveries with their
 * attempts, last error and next retry. Configuration changes are audited.
 */
import { z } from 'zod';
import type { Principal } from '../../auth/authenticate.ts';
import type { ServerContext } from '../../context.ts';
import type { Webhook, WebhookDelivery } from '../../storage/webhook-store.ts';
import { queueTestEvent } from '../../webhooks/webhook-events.ts';
import { newWebhookSecret } from '../../webhooks/webhook-signature.ts';
import {
  MAX_WEBHOOK_URL,
  parseWebhookUrl,
  resolveWebhookTarget,
  WebhookUrlError,
} from '../../webhooks/webhook-url.ts';
import { ApiError } from '../respond.ts';
import { type Route, route, type WorkspaceScope } from '../route.ts';

const W = '/api/workspaces/:ws/webhook';
const tag = 'webhooks';

const WebhookBody = z.object({
  url: z.string().trim().min(1, 'Enter the URL that should receive the events').max(MAX_WEBHOOK_URL),
  enabled: z.boolean(),
});

const DeliveryJson = z.object({
  id: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  createdAt: z.number(),
  lastAttemptAt: z.number().nullable(),
  /** The receiver's HTTP status at the last attempt (null: none, e.g. a network error or a refused address). */
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.number().nullable(),
  deliveredAt: z.number().nullable(),
});

const WebhookJson = z.object({
  url: z.string(),
  enabled: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Failing: the latest delivery that was tried did not get through (failed, or waiting for a retry). */
  health: z.object({
    failing: z.boolean(),
    lastError: z.string().nullable(),
    lastErrorAt: z.number().nullable(),
    failed: z.number(),
    retrying: z.number(),
  }),
});

const deliveryJson = (d: WebhookDelivery): z.infer<typeof DeliveryJson> => {
  const { workspaceId: _, payload: __, ...pub } = d;
  return pub;
};

async function webhookJson(ctx: ServerContext, hook: Webhook): Promise<z.infer<typeof WebhookJson>> {
  const recent = await ctx.storage.listWebhookDeliveries(hook.workspaceId, 100);
  const latest = recent.find((d) => d.attempts > 0);
  const failing = latest !== undefined && latest.status !== 'delivered';
  return {
    url: hook.url,
    enabled: hook.enabled,
    createdAt: hook.createdAt,
    updatedAt: hook.updatedAt,
    health: {
      failing,
      lastError: failing ? latest.lastError : null,
      lastErrorAt: failing ? latest.lastAttemptAt : null,
      failed: recent.filter((d) => d.status === 'failed').length,
      retrying: recent.filter((d) => d.status === 'pending' && d.attempts > 0).length,
    },
  };
}

async function mustHook(ctx: ServerContext, scope: WorkspaceScope): Promise<Webhook> {
  const hook = await ctx.storage.webhookOf(scope.workspace.id);
  if (!hook) throw new ApiError('not-found', 'This workspace has no webhook');
  return hook;
}

/** The URL, or 422 with why it may not be a webhook's (shape, then every address it resolves to). */
async function checkedUrl(ctx: ServerContext, text: string): Promise<string> {
  try {
    const url = parseWebhookUrl(text);
    await resolveWebhookTarget(url, {
      allowPrivate: ctx.config.webhookAllowPrivate,
      allowedHosts: ctx.config.webhookAllowedHosts,
    });
    return url.href;
  } catch (err) {
    if (!(err instanceof WebhookUrlError)) throw err;
    throw new ApiError('webhook-url-refused', err.message, [{ path: 'url', message: err.message }]);
  }
}

/** Configuration changes go to the workspace's audit log (History), never with the secret. */
function audit(
  ctx: ServerContext,
  scope: WorkspaceScope,
  principal: Principal,
  action: string,
  summary: string,
) {
  return ctx.storage.addAudit([
    {
      workspaceId: scope.workspace.id,
      at: Date.now(),
      actorId: principal.account.id,
      actorEmail: principal.account.email,
      actorName: principal.account.name,
      source: 'api',
      action,
      entities: [
        { collection: 'webhook', id: scope.workspace.id, name: 'Webhook', fields: ['url', 'enabled'] },
      ],
      summary,
    },
  ]);
}

export const webhookRoutes: Route[] = [
  route({
    method: 'GET',
    path: W,
    summary:
      'The workspace’s webhook for access requests (null when none): URL, on/off and whether deliveries are failing; never the secret',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ webhook: WebhookJson.nullable() }) },
    handler: async ({ ctx, scope }) => {
      const hook = await ctx.storage.webhookOf(scope.workspace.id);
      return { status: 200, body: { webhook: hook ? await webhookJson(ctx, hook) : null } };
    },
  }),
  route({
    method: 'PUT',
    path: W,
    summary:
      'Set the webhook’s URL and on/off: 422 webhook-url-refused for a URL that is not http(s), holds credentials or reaches a private address (unless the server allows it); the first save creates the signing secret, returned once as `secret` (null afterwards)',
    tag,
    auth: 'admin',
    body: WebhookBody,
    reply: { status: 200, body: z.object({ webhook: WebhookJson, secret: z.string().nullable() }) },
    handler: async ({ ctx, scope, principal, body }) => {
      const url = await checkedUrl(ctx, body.url);
      const before = await ctx.storage.webhookOf(scope.workspace.id);
      const secret = before ? null : newWebhookSecret();
      const hook = await ctx.storage.putWebhook({
        workspaceId: scope.workspace.id,
        url,
        enabled: body.enabled,
        ...(secret === null ? {} : { secret }),
        at: ctx.config.clock.now(),
      });
      const state = body.enabled ? 'on' : 'off';
      await audit(
        ctx,
        scope,
        principal,
        'webhook.set',
        before ? `Webhook set to ${url} (${state})` : `Webhook added: ${url} (${state})`,
      );
      ctx.log.info(
        { workspace: scope.workspace.slug, by: principal.account.id, enabled: body.enabled },
        'webhook saved',
      );
      return { status: 200, body: { webhook: await webhookJson(ctx, hook), secret } };
    },
  }),
  route({
    method: 'DELETE',
    path: W,
    summary: 'Remove the webhook and its deliveries',
    tag,
    auth: 'admin',
    reply: { status: 204 },
    handler: async ({ ctx, scope, principal }) => {
      const hook = await mustHook(ctx, scope);
      await ctx.storage.deleteWebhook(scope.workspace.id);
      await audit(ctx, scope, principal, 'webhook.delete', `Webhook removed (was ${hook.url})`);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: `${W}/rotate-secret`,
    summary:
      'Replace the signing secret: the new one is returned once and signs every delivery from now on (retries of older ones too)',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ webhook: WebhookJson, secret: z.string() }) },
    handler: async ({ ctx, scope, principal }) => {
      const hook = await mustHook(ctx, scope);
      const secret = newWebhookSecret();
      const saved = await ctx.storage.putWebhook({ ...hook, secret, at: ctx.config.clock.now() });
      await audit(ctx, scope, principal, 'webhook.rotate-secret', 'Webhook signing secret replaced');
      return { status: 200, body: { webhook: await webhookJson(ctx, saved), secret } };
    },
  }),
  route({
    method: 'POST',
    path: `${W}/test`,
    summary:
      'Queue a `webhook.test` event, sent at once and retried like any other; 409 webhook-disabled while the webhook is off',
    tag,
    auth: 'admin',
    reply: { status: 201, body: z.object({ delivery: DeliveryJson }) },
    handler: async ({ ctx, scope }) => {
      const hook = await mustHook(ctx, scope);
      if (!hook.enabled) throw new ApiError('webhook-disabled', 'Turn the webhook on to send a test event');
      const by = scope.actor.name || scope.actor.email || 'an admin';
      const d = await queueTestEvent(ctx, scope.workspace, by);
      return { status: 201, body: { delivery: deliveryJson(d) } };
    },
  }),
  route({
    method: 'GET',
    path: `${W}/deliveries`,
    summary:
      'The recent deliveries (the last 100), newest first: event, status (pending, delivered, failed), attempts, last HTTP status and error, next retry',
    tag,
    auth: 'admin',
    reply: { status: 200, body: z.object({ deliveries: z.array(DeliveryJson) }) },
    handler: async ({ ctx, scope }) => {
      const list = await ctx.storage.listWebhookDeliveries(scope.workspace.id, 100);
      return { status: 200, body: { deliveries: list.map(deliveryJson) } };
    },
  }),
];
