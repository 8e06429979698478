/**
 * What the panel shows for one app, computed by the service worker from a cached summary. Every field is
 * display-ready text, so the content script stays small and never needs core.
 */
import { FLAG_LABELS, FLAGS, LEVEL_LABELS, ROLE_LABELS } from '../core/model.ts';
import type { ExtErrorCode } from './errors.ts';
import type { AccessSummary, AppSummary, Via } from './summary.ts';

export interface PanelVia {
  readonly group: string;
  readonly grant: string;
  readonly level: string;
  readonly hidden: boolean;
}

export interface PanelModel {
  /** `workspace/appId`: the key under which the collapsed state is remembered. */
  readonly key: string;
  readonly workspace: string;
  readonly app: string;
  readonly level: 'edit' | 'view' | 'none';
  readonly levelText: string;
  readonly hidden: boolean;
  readonly role: string;
  readonly via: readonly PanelVia[];
  readonly dataSources: readonly { readonly name: string; readonly level: string; readonly via: string }[];
  /** Workspace permissions that are on, as labels with the groups that give them. */
  readonly permissions: readonly { readonly label: string; readonly via: string }[];
  /** Only without access: whom to ask. */
  readonly admins: readonly { readonly name: string; readonly email: string }[];
  /** Only without access: a prefilled request (mailto: URL), or null when no admin has an email. */
  readonly requestMailto: string | null;
  /** Why there is no access, in words (null with access). */
  readonly reason: string | null;
  /** When the summary was last confirmed by the server (ms since epoch). */
  readonly fetchedAt: number;
  /** The summary is cached and the server could not be reached (or the session ended). */
  readonly stale: boolean;
  readonly staleReason: ExtErrorCode | null;
  /** The person's remembered choice for this app; null: none yet (collapsed unless there is no access). */
  readonly collapsed: boolean | null;
}

export interface PanelContext {
  readonly pageUrl: string;
  readonly fetchedAt: number;
  readonly stale: boolean;
  readonly staleReason: ExtErrorCode | null;
  readonly collapsed: boolean | null;
}

export function panelKey(workspace: string, appId: string): string {
  return `${workspace}/${appId}`;
}

function toVia(v: Via): PanelVia {
  return {
    group: v.groupName,
    grant: v.grantName,
    level: LEVEL_LABELS[v.level],
    hidden: v.hideFromDashboard,
  };
}

/** A `mailto:` URL to every admin, with a subject and a body that say what is asked for and where. */
export function requestMailto(summary: AccessSummary, app: AppSummary, pageUrl: string): string | null {
  const to = summary.admins
    .map((a) => a.email)
    .filter((e) => e.includes('@'))
    .map((e) => encodeURIComponent(e))
    .join(',');
  if (!to) return null;
  const subject = `Access request: ${app.name} (${summary.workspace.name})`;
  const body = [
    'Hello,',
    '',
    `Could I get access to the app "${app.name}" in the ${summary.workspace.name} workspace?`,
    `No group I am in grants it at the moment. I was on: ${pageUrl}`,
    '',
    'Thank you,',
    `${summary.user.name} <${summary.user.email}>`,
  ].join('\n');
  return `mailto:${to}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
}

export function toPanelModel(summary: AccessSummary, app: AppSummary, ctx: PanelContext): PanelModel {
  const active = summary.user.status === 'active';
  const level = active && app.level ? app.level : 'none';
  const none = level === 'none';
  const groupsOf = (via: readonly Via[]) => [...new Set(via.map((v) => v.groupName))].join(', ');
  const reason = !none
    ? null
    : active
      ? `No group you are in grants access to ${app.name}.`
      : `Your account in ${summary.workspace.name} is ${summary.user.status}, so it has no access.`;
  return {
    key: panelKey(summary.workspace.slug, app.id),
    workspace: summary.workspace.name,
    app: app.name,
    level,
    levelText: none ? 'No access' : LEVEL_LABELS[level],
    hidden: !none && app.hidden,
    role: ROLE_LABELS[summary.user.role],
    via: none ? [] : app.via.map(toVia),
    dataSources: active
      ? summary.dataSources
          .filter((d) => d.level !== null)
          .map((d) => ({ name: d.name, level: d.level ? LEVEL_LABELS[d.level] : '', via: groupsOf(d.via) }))
      : [],
    permissions: active
      ? FLAGS.filter((f) => summary.flags[f]).map((f) => ({
          label: FLAG_LABELS[f],
          via: (summary.flagVia[f] ?? []).join(', '),
        }))
      : [],
    admins: none ? summary.admins.map((a) => ({ name: a.name, email: a.email })) : [],
    requestMailto: none ? requestMailto(summary, app, ctx.pageUrl) : null,
    reason,
    fetchedAt: ctx.fetchedAt,
    stale: ctx.stale,
    staleReason: ctx.staleReason,
    collapsed: ctx.collapsed,
  };
}
