/**
 * What the panel shows for one app, computed from a cached summary (by the worker, or by the content script
 * from the panel cache). Every field is display-ready text from core's presenter (core/access/present.ts,
 * the wording My access uses too), so the panel itself only places strings.
 */
import {
  accessText,
  levelText,
  noAccessReason,
  permissionText,
  personText,
  requestAccessMailto,
  viaGrantText,
} from '../core/access/present.ts';
import { FLAGS, ROLE_LABELS } from '../core/model.ts';
import type { ExtErrorCode } from './errors.ts';
import type { AccessSummary, AppSummary } from './summary.ts';

export interface PanelModel {
  /** `workspace/appId`: the key under which the collapsed state is remembered. */
  readonly key: string;
  readonly workspace: string;
  readonly app: string;
  readonly level: 'edit' | 'view' | 'none';
  /** The badge: `View`, `No access`. */
  readonly levelText: string;
  /** The level in full: `View (hidden from dashboard)`. */
  readonly accessText: string;
  readonly hidden: boolean;
  readonly role: string;
  /** One line per grant: `HR: “HR apps” (View)`. */
  readonly via: readonly string[];
  /** Data sources the person can use or configure: `Payroll DB: Use — via Finance (Payroll DB)`. */
  readonly dataSources: readonly string[];
  /** Workspace permissions that are on, with the groups that give them. */
  readonly permissions: readonly string[];
  /** Only without access: whom to ask (`Ada <ada@corp.com>`). */
  readonly admins: readonly string[];
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
  /**
   * Their latest access request for this app and its state in words (the worker adds it from the server;
   * absent in a model drawn from the panel cache before the worker answered).
   */
  readonly request?: {
    readonly status: 'open' | 'approved' | 'denied' | 'cancelled';
    readonly text: string;
  } | null;
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

/** Access is the summary's (core's): an invited account has what its groups grant, an archived one none. */
export function toPanelModel(summary: AccessSummary, app: AppSummary, ctx: PanelContext): PanelModel {
  const none = app.level === null;
  return {
    key: panelKey(summary.workspace.slug, app.id),
    workspace: summary.workspace.name,
    app: app.name,
    level: app.level ?? 'none',
    levelText: levelText(app.level),
    accessText: levelText(app.level, app.hidden),
    hidden: app.hidden,
    role: ROLE_LABELS[summary.user.role],
    via: app.via.map(viaGrantText),
    dataSources: summary.dataSources
      .filter((d) => d.level !== null)
      .map((d) => `${d.name}: ${accessText(d)}`),
    permissions: FLAGS.filter((f) => summary.flags[f]).map((f) => permissionText(summary, f)),
    admins: none ? summary.admins.map(personText) : [],
    requestMailto: none ? requestAccessMailto(summary, app.name, ctx.pageUrl) : null,
    reason: none ? noAccessReason(summary, app.name) : null,
    fetchedAt: ctx.fetchedAt,
    stale: ctx.stale,
    staleReason: ctx.staleReason,
    collapsed: ctx.collapsed,
  };
}
