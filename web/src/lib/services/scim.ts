/**
 * SCIM provisioning (Workspace settings → Provisioning): the workspace's SCIM connections, their tokens
 * (a secret shown once), the "may upgrade roles" setting (turned on only after the admin saw its impact)
 * and each connection's recent requests. Server calls: they need the network. Destructive steps ask
 * first; errors become text through the one error handler.
 */
import { confirmations } from '../state/confirm.svelte.ts';
import { toasts } from '../state/toasts.svelte.ts';
import { type ApiResult, request } from './api.ts';
import { handleError } from './handle-error.ts';

export interface ScimTokenInfo {
  readonly id: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface ScimConnectionInfo {
  readonly id: string;
  readonly name: string;
  /** What an admin pastes into the IdP as the SCIM base URL (tenant URL). */
  readonly baseUrl: string;
  readonly mayUpgradeRoles: boolean;
  readonly upgradeConfirmedAt: number | null;
  readonly createdAt: number;
  readonly tokens: readonly ScimTokenInfo[];
}

export interface ScimRequestInfo {
  readonly id: number;
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly outcome: string;
}

/** What turning "may upgrade roles" on would do now (the server's 409 details). */
interface UpgradeImpact {
  readonly endUsers?: readonly { id: string; email: string }[];
  readonly seatDelta?: number;
}

/** Says what failed (a toast) and answers false. */
function failed(error: Parameters<typeof handleError>[0]): false {
  handleError(error);
  return false;
}

const base = (ws: string) => `/api/workspaces/${encodeURIComponent(ws)}/scim-connections`;
const one = (ws: string, id: string) => `${base(ws)}/${encodeURIComponent(id)}`;

export const scimService = {
  list: (ws: string): Promise<ApiResult<{ connections: ScimConnectionInfo[] }>> => request('GET', base(ws)),

  create: (ws: string, name: string): Promise<ApiResult<{ connection: ScimConnectionInfo }>> =>
    request('POST', base(ws), { name }),

  requests: (ws: string, id: string): Promise<ApiResult<{ requests: ScimRequestInfo[] }>> =>
    request('GET', `${one(ws, id)}/requests?limit=20`),

  /** Creates a token; the answer holds the secret, shown once. */
  createToken: (ws: string, id: string): Promise<ApiResult<{ token: ScimTokenInfo; secret: string }>> =>
    request('POST', `${one(ws, id)}/tokens`),

  async revokeToken(ws: string, c: ScimConnectionInfo, t: ScimTokenInfo): Promise<boolean> {
    const ok = await confirmations.ask({
      title: `Revoke a token of “${c.name}”`,
      message:
        'The identity provider using this token is refused from its next request; provisioning stops until it has a new token. Do you want to continue?',
      confirmLabel: 'Revoke',
      danger: true,
    });
    if (!ok) return false;
    const res = await request<null>('DELETE', `${one(ws, c.id)}/tokens/${encodeURIComponent(t.id)}`);
    if (!res.ok) return failed(res.error);
    toasts.success('Token revoked');
    return true;
  },

  async remove(ws: string, c: ScimConnectionInfo): Promise<boolean> {
    const ok = await confirmations.ask({
      title: `Delete “${c.name}”`,
      message:
        'Its tokens stop working at once. The users and groups it provisioned stay, with their memberships. Do you want to continue?',
      confirmLabel: 'Delete connection',
      danger: true,
    });
    if (!ok) return false;
    const res = await request<null>('DELETE', one(ws, c.id));
    if (!res.ok) return failed(res.error);
    toasts.success(`“${c.name}” deleted`);
    return true;
  },

  /**
   * Turns "may upgrade roles" on (after showing what it would do now and asking) or off. True when saved.
   */
  async setMayUpgrade(ws: string, c: ScimConnectionInfo, on: boolean): Promise<boolean> {
    const patch = (confirm: boolean) =>
      request<{ connection: ScimConnectionInfo }>('PATCH', one(ws, c.id), { mayUpgradeRoles: on, confirm });
    let res = await patch(false);
    if (!res.ok && res.error.code === 'role-change-needs-confirmation') {
      const impact = (res.error.details ?? {}) as UpgradeImpact;
      const held = impact.endUsers ?? [];
      const names = held
        .slice(0, 10)
        .map((u) => u.email)
        .join(', ');
      const ok = await confirmations.ask({
        title: `Let “${c.name}” upgrade roles`,
        message:
          `From now on, this connection may make End-users Builders (billed seats) when it adds them to builder-level groups or sets their role. ` +
          (held.length > 0
            ? `It is waiting to upgrade ${held.length} End-user(s) now (${names}${held.length > 10 ? ', …' : ''}): +${impact.seatDelta ?? held.length} seat(s) once an admin re-applies those conflicts.`
            : 'It is not waiting to upgrade anyone now.') +
          ' Do you want to continue?',
        confirmLabel: 'Allow upgrades',
      });
      if (!ok) return false;
      res = await patch(true);
    }
    if (!res.ok) return failed(res.error);
    toasts.success(on ? `“${c.name}” may upgrade roles` : `“${c.name}” no longer upgrades roles`);
    return true;
  },
};
