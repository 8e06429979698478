/**
 * What a workspace's webhook receives (issue 16): `access_request.created`, `…approved`, `…denied`,
 * `…cancelled` and `webhook.test`, as
 * `{ type, id, workspace: {slug, name}, request?, text, occurredAt }` — `request` in the REST shape
 * (http/request-json.ts), `text` one sentence in Slack's format (an incoming webhook posts it as is) that
 * says who asked for what and links to the admin Requests page (PUBLIC_URL). Queued in the outbox right
 * after the change that wrote the request is committed (the post-commit hook, once, on the instance that
 * committed it), then sent by the delivery loop (webhook-sender.ts).
 */
import { type AccessRequest, LEVEL_LABELS, type WorkspaceState } from '../../core/index.ts';
import type { ServerContext } from '../context.ts';
import { requestJson } from '../http/request-json.ts';
import { newRowId } from '../storage/row-id.ts';
import type { WebhookDelivery } from '../storage/webhook-store.ts';
import type { Workspace } from '../storage/workspace-store.ts';
import type { CommitEvent } from '../sync/change.ts';

export const WEBHOOK_EVENTS = [
  'access_request.created',
  'access_request.approved',
  'access_request.denied',
  'access_request.cancelled',
  'webhook.test',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const EVENT_OF: Record<AccessRequest['status'], WebhookEvent> = {
  open: 'access_request.created',
  approved: 'access_request.approved',
  denied: 'access_request.denied',
  cancelled: 'access_request.cancelled',
};

const DURATION_WORDS: Record<string, string> = {
  '1d': 'for 1 day',
  '7d': 'for 1 week',
  '30d': 'for 30 days',
};

/** Slack's three control characters, escaped in everything people typed. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The admin Requests page, when the server knows its public address. */
export function requestsPageUrl(ctx: ServerContext, workspace: Workspace): string | null {
  const base = ctx.config.publicUrl;
  return base ? `${base}/${encodeURIComponent(workspace.slug)}/workspace-settings/requests` : null;
}

/** The sentence a chat shows for a request event. */
export function requestEventText(s: WorkspaceState, r: AccessRequest, link: string | null): string {
  const j = requestJson(s, r);
  const who = j.user.name ? `${esc(j.user.name)} (${esc(j.user.email)})` : esc(j.user.email || 'Someone');
  const whose = j.user.name ? `${esc(j.user.name)}’s` : `${esc(j.user.email || 'someone')}’s`;
  const what = `${LEVEL_LABELS[r.level]} on “${esc(j.resource.name)}”`;
  const by = esc(r.decidedBy ?? 'An admin');
  let text: string;
  if (r.status === 'open')
    text = `${who} asked for ${what} via “${esc(j.group.name)}”, ${r.duration === null ? 'until revoked' : DURATION_WORDS[r.duration]}: “${esc(r.reason)}”.`;
  else if (r.status === 'approved') {
    const until =
      r.expiresAt === null ? 'until revoked' : `until ${new Date(r.expiresAt).toUTCString().slice(5, 16)}`;
    text = `${by} approved ${whose} request for ${what}: member of “${esc(j.grantedGroup?.name ?? j.group.name)}” ${until}.`;
  } else if (r.status === 'denied')
    text = `${by} denied ${whose} request for ${what}${r.decisionReason ? `: “${esc(r.decisionReason)}”` : ''}.`;
  else text = `${who} cancelled their request for ${what}.`;
  return link ? `${text} <${link}|Open Requests in Gatehouse>` : text;
}

function body(
  type: WebhookEvent,
  id: string,
  workspace: Workspace,
  at: number,
  text: string,
  request?: unknown,
): string {
  return JSON.stringify({
    type,
    id,
    workspace: { slug: workspace.slug, name: workspace.name },
    ...(request === undefined ? {} : { request }),
    text,
    occurredAt: new Date(at).toISOString(),
  });
}

/** Post-commit: queues one delivery per request the change wrote, when the workspace's webhook is on. */
export async function queueRequestEvents(
  ctx: ServerContext,
  workspace: Workspace,
  event: CommitEvent,
): Promise<void> {
  if (event.requests.length === 0) return;
  const hook = await ctx.storage.webhookOf(workspace.id);
  if (!hook?.enabled) return;
  const at = ctx.config.clock.now();
  const link = requestsPageUrl(ctx, workspace);
  for (const r of event.requests) {
    const id = newRowId();
    const type = EVENT_OF[r.status];
    const payload = body(
      type,
      id,
      workspace,
      at,
      requestEventText(event.state, r, link),
      requestJson(event.state, r),
    );
    await ctx.storage.addWebhookDelivery({ id, workspaceId: workspace.id, event: type, payload, at });
  }
  ctx.webhooks.wake();
}

/** `POST …/webhook/test`: queues a `webhook.test` delivery (the route checks the webhook is on). */
export async function queueTestEvent(
  ctx: ServerContext,
  workspace: Workspace,
  by: string,
): Promise<WebhookDelivery> {
  const at = ctx.config.clock.now();
  const id = newRowId();
  const text = `Test event from Gatehouse, sent by ${esc(by)}: this webhook of workspace “${esc(workspace.name)}” works.`;
  const d = await ctx.storage.addWebhookDelivery({
    id,
    workspaceId: workspace.id,
    event: 'webhook.test',
    payload: body('webhook.test', id, workspace, at, text),
    at,
  });
  ctx.webhooks.wake();
  return d;
}
