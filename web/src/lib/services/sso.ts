/**
 * Single sign-on (Workspace settings → Single sign-on, and the sign-in page's buttons): the workspace's
 * SSO connections, Test connection, the impact a mapping would have now, the last sign-ins, and the
 * password sign-in policy. Server calls: they need the network. The client secret is sent, never read.
 */
import type { MembershipChange, Role } from '../../../../core/index.ts';
import { confirmations } from '../state/confirm.svelte.ts';
import { toasts } from '../state/toasts.svelte.ts';
import { type ApiResult, request } from './api.ts';
import { handleError } from './handle-error.ts';

export interface SsoMapping {
  readonly idpGroup: string;
  readonly groupId: string;
  readonly role: Role | null;
  readonly confirmedBy: string | null;
  readonly confirmedAt: number | null;
}

export interface SsoConnectionInfo {
  readonly id: string;
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly hasSecret: boolean;
  readonly scopes: readonly string[];
  readonly groupsClaim: string;
  readonly allowedDomains: readonly string[];
  readonly authoritativeDomains: readonly string[];
  readonly jit: boolean;
  readonly jitRole: Role;
  readonly mappings: readonly SsoMapping[];
  readonly redirectUri: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What an admin edits; `clientSecret` only when typed, `confirmImpact` per mapping. */
export interface SsoConnectionDraft {
  name: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  groupsClaim: string;
  allowedDomains: string[];
  authoritativeDomains: string[];
  jit: boolean;
  jitRole: 'end-user' | 'builder';
  mappings: { idpGroup: string; groupId: string; role: Role | null; confirmImpact?: boolean }[];
}

type UserChange = MembershipChange & { readonly email: string };
/** `idp-group`: the IdP no longer lists them; `mapping-removed`: no mapping names the group any more. */
type Leave = UserChange & { readonly reason: 'idp-group' | 'mapping-removed' };
export interface SsoPreview {
  readonly joins: readonly UserChange[];
  readonly leaves: readonly Leave[];
  readonly roleChanges: readonly { userId: string; email: string; from: Role; to: Role }[];
  readonly held: readonly { userId: string; email: string; what: string }[];
  readonly seatsBefore: number;
  readonly seatsAfter: number;
  readonly seatDelta: number;
  readonly usersKnown: number;
}

export interface SsoCheck {
  readonly ok: boolean;
  readonly steps: readonly { step: string; ok: boolean; message: string }[];
}

export interface SsoSignInInfo {
  readonly id: number;
  readonly at: number;
  readonly email: string;
  readonly userId: string | null;
  readonly outcome: string;
  readonly changes: readonly string[];
}

export interface SsoOptions {
  readonly workspace: { readonly slug: string; readonly name: string };
  readonly connections: readonly { id: string; name: string }[];
  readonly passwordSignIn: boolean;
  readonly refusals: Readonly<Record<string, string>>;
}

const base = (ws: string) => `/api/workspaces/${encodeURIComponent(ws)}/sso`;
const one = (ws: string, id: string) => `${base(ws)}/connections/${encodeURIComponent(id)}`;
/** `removed`: the connection's memberships the save took out of groups no longer mapped. */
type Saved = { connection: SsoConnectionInfo; impact: SsoPreview; removed: string[] };

const SHOWN = 5;
/** "kai@… leaves Ops (mapping removed)" for the memberships a save or delete will remove now, or null. */
export function unmapLeaves(impact: SsoPreview): string | null {
  const gone = impact.leaves.filter((l) => l.reason === 'mapping-removed');
  if (gone.length === 0) return null;
  const lines = gone.slice(0, SHOWN).map((l) => `${l.email} leaves ${l.groupName} (mapping removed)`);
  const more = gone.length > SHOWN ? ` and ${gone.length - SHOWN} more` : '';
  return `${gone.length} membership${gone.length === 1 ? '' : 's'} this connection added will be removed now: ${lines.join('; ')}${more}. Memberships added by hand or through SCIM stay.`;
}

export const ssoService = {
  options: (ws: string): Promise<ApiResult<SsoOptions>> =>
    request('GET', `/api/sso/options/${encodeURIComponent(ws)}`),
  /** Where the browser goes to sign in with a connection (a full navigation). */
  startUrl: (ws: string, id: string, returnTo: string) =>
    `/api/sso/start/${encodeURIComponent(ws)}/${encodeURIComponent(id)}?returnTo=${encodeURIComponent(returnTo)}`,

  list: (ws: string): Promise<ApiResult<{ connections: SsoConnectionInfo[] }>> =>
    request('GET', `${base(ws)}/connections`),
  create: (ws: string, draft: SsoConnectionDraft): Promise<ApiResult<Saved>> =>
    request('POST', `${base(ws)}/connections`, draft),
  save: (ws: string, id: string, draft: SsoConnectionDraft): Promise<ApiResult<Saved>> =>
    request('PUT', one(ws, id), draft),
  test: (ws: string, id: string): Promise<ApiResult<SsoCheck>> => request('POST', `${one(ws, id)}/test`),
  impact: (
    ws: string,
    id: string,
    mappings: SsoConnectionDraft['mappings'],
  ): Promise<ApiResult<{ impact: SsoPreview }>> => request('POST', `${one(ws, id)}/impact`, { mappings }),
  signIns: (ws: string, id: string): Promise<ApiResult<{ signIns: SsoSignInInfo[] }>> =>
    request('GET', `${one(ws, id)}/sign-ins`),
  policy: (ws: string): Promise<ApiResult<{ passwordSignIn: boolean }>> =>
    request('GET', `${base(ws)}/policy`),
  setPolicy: (ws: string, passwordSignIn: boolean): Promise<ApiResult<{ passwordSignIn: boolean }>> =>
    request('PUT', `${base(ws)}/policy`, { passwordSignIn }),

  /** Previews what goes with it, asks, then deletes: true when deleted. */
  async remove(ws: string, c: SsoConnectionInfo): Promise<boolean> {
    const impact = await ssoService.impact(ws, c.id, []);
    if (!impact.ok) {
      handleError(impact.error);
      return false;
    }
    const ok = await confirmations.ask({
      title: `Delete “${c.name}”`,
      message: `Nobody can sign in with this connection any more. ${unmapLeaves(impact.value.impact) ?? 'It holds no memberships now.'} Do you want to continue?`,
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return false;
    const res = await request<null>('DELETE', one(ws, c.id));
    if (!res.ok) {
      handleError(res.error);
      return false;
    }
    toasts.success(`“${c.name}” deleted`);
    return true;
  },
};
