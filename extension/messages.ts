/**
 * The one message protocol between the popup, the content script and the service worker.
 *
 *   popup → worker   chrome.runtime.sendMessage(PopupRequest) → Reply (a result; handlers never throw)
 *   content ⇄ worker a port named PANEL_PORT:
 *     content → worker  panel.watch {url} | panel.collapse {key, collapsed} | panel.ping
 *     worker → content  panel.show {model} | panel.none
 *
 * The worker checks the sender of every message before dispatch (see background/index.ts).
 */
import { isObject, isString } from './decode.ts';
import type { ExtErrorCode } from './errors.ts';
import { type ExtResult, extFail } from './errors.ts';
import type { PanelModel } from './panel-model.ts';
import type { AccessSummary } from './summary.ts';

export const PANEL_PORT = 'gatehouse-panel';
/** The content script pings this often so the worker stays alive while a panel is open. */
export const PANEL_PING_MS = 20_000;

export interface WorkspaceView {
  readonly slug: string;
  readonly name: string;
  readonly role: string;
  readonly status: string;
  readonly summary: AccessSummary | null;
  readonly fetchedAt: number | null;
  readonly stale: boolean;
  readonly staleReason: ExtErrorCode | null;
}

export type PopupState =
  | { readonly signedIn: false; readonly serverUrl: string | null }
  | {
      readonly signedIn: true;
      readonly serverUrl: string;
      readonly account: { readonly email: string; readonly name: string };
      readonly workspaces: readonly WorkspaceView[];
      /** Host permission patterns of app sites the panel cannot run on yet (the popup asks for them). */
      readonly missingOrigins: readonly string[];
    };

export type SignIn =
  | { readonly serverUrl: string; readonly email: string; readonly password: string }
  | { readonly serverUrl: string; readonly token: string }
  /** Single sign-on with the workspace's (first) SSO connection, through chrome.identity. */
  | { readonly serverUrl: string; readonly workspace: string };

/** Request type → [request fields, reply value]. */
export interface PopupProtocol {
  'state.get': [Record<never, never>, PopupState];
  'state.refresh': [Record<never, never>, PopupState];
  'session.signIn': [{ readonly signIn: SignIn }, PopupState];
  'session.signOut': [Record<never, never>, PopupState];
}
export type PopupRequestType = keyof PopupProtocol;
export type PopupRequest = {
  [K in PopupRequestType]: { readonly type: K } & PopupProtocol[K][0];
}[PopupRequestType];
export type PopupReply<K extends PopupRequestType> = ExtResult<PopupProtocol[K][1]>;

/** What the panel's Request access form sends (for the app the panel shows; the worker knows which). */
export interface PanelAccessRequest {
  readonly type: 'panel.request';
  readonly level: 'view' | 'edit';
  readonly reason: string;
  /** null: until revoked. */
  readonly duration: '1d' | '7d' | '30d' | null;
}

export type PanelRequest =
  | { readonly type: 'panel.watch'; readonly url: string }
  | PanelAccessRequest
  | { readonly type: 'panel.collapse'; readonly key: string; readonly collapsed: boolean }
  | { readonly type: 'panel.ping' };

export type PanelUpdate =
  | { readonly type: 'panel.show'; readonly model: PanelModel }
  | { readonly type: 'panel.none' }
  /** The answer to a Request access of the panel `key`: sent (what it asks, through which group) or why not. */
  | { readonly type: 'panel.requested'; readonly key: string; readonly ok: boolean; readonly text: string };

const MAX_FIELD = 4096;

function isSignIn(v: unknown): v is SignIn {
  if (!isObject(v) || !isString(v.serverUrl, MAX_FIELD)) return false;
  if ('token' in v) return isString(v.token, MAX_FIELD) && !('password' in v);
  if ('workspace' in v) return isString(v.workspace, 100) && !('password' in v);
  return isString(v.email, 320) && isString(v.password, 1024);
}

/** Validates a popup message; anything else is dropped by the worker. */
export function isPopupRequest(v: unknown): v is PopupRequest {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'state.get':
    case 'state.refresh':
    case 'session.signOut':
      return true;
    case 'session.signIn':
      return isSignIn(v.signIn);
    default:
      return false;
  }
}

export function isPanelRequest(v: unknown): v is PanelRequest {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'panel.watch':
      return isString(v.url, MAX_FIELD);
    case 'panel.collapse':
      return isString(v.key, 512) && typeof v.collapsed === 'boolean';
    case 'panel.ping':
      return true;
    case 'panel.request':
      return (
        (v.level === 'view' || v.level === 'edit') &&
        isString(v.reason, 500) &&
        (v.duration === null || v.duration === '1d' || v.duration === '7d' || v.duration === '30d')
      );
    default:
      return false;
  }
}

/** Sends a popup request; a worker that cannot be reached becomes a result too. */
export async function sendPopupRequest<K extends PopupRequestType>(
  request: { readonly type: K } & PopupProtocol[K][0],
): Promise<PopupReply<K>> {
  try {
    const reply: unknown = await chrome.runtime.sendMessage(request);
    if (isObject(reply) && typeof reply.ok === 'boolean') return reply as PopupReply<K>;
    return extFail('bad-request');
  } catch {
    return extFail('bad-request');
  }
}
