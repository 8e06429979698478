/**
 * Decision tokens (Workspace settings → Decision tokens): the secrets apps and reverse proxies use to ask
 * this workspace's decision point (AuthZEN, forward auth) and nothing else. Server calls: they need the
 * network. Revoking asks first; errors become text through the one error handler.
 */
import { confirmations } from '../state/confirm.svelte.ts';
import { toasts } from '../state/toasts.svelte.ts';
import { type ApiResult, request } from './api.ts';
import { handleError } from './handle-error.ts';

/** A token as the server lists it (never its secret). */
export interface DecisionTokenInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly createdBy: { readonly accountId: string | null; readonly email: string | null };
  readonly lastUsedAt: number | null;
  readonly requests: number;
}

const base = (ws: string) => `/api/workspaces/${encodeURIComponent(ws)}/decision-tokens`;

export const decisionTokenService = {
  list: (ws: string): Promise<ApiResult<{ tokens: DecisionTokenInfo[] }>> => request('GET', base(ws)),

  /** Creates one; the answer holds the secret, shown once. */
  create: (ws: string, name: string): Promise<ApiResult<{ token: DecisionTokenInfo; secret: string }>> =>
    request('POST', base(ws), { name }),

  /** Asks, then revokes: true when revoked. */
  async revoke(ws: string, token: DecisionTokenInfo): Promise<boolean> {
    const ok = await confirmations.ask({
      title: `Revoke “${token.name}”`,
      message:
        'The app or proxy using this token will be refused from its next request. This cannot be undone: to let it ask again, create a new token. Do you want to continue?',
      confirmLabel: 'Revoke',
      danger: true,
    });
    if (!ok) return false;
    const res = await request<null>('DELETE', `${base(ws)}/${encodeURIComponent(token.id)}`);
    if (!res.ok) {
      handleError(res.error);
      return false;
    }
    toasts.success(`“${token.name}” revoked`);
    return true;
  },
};
