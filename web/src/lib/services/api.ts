/**
 * The server's REST API (same origin, session cookie). Every call returns a Result; network failures and
 * error bodies become `{ ok: false }` with the server's code, never a throw.
 */
import type { Role, UserStatus } from '../../../../core/index.ts';
import { limits } from '../../../../core/index.ts';

export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly details?: unknown;
}
export type ApiResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ApiError };

export interface Account {
  readonly id?: string;
  readonly email: string;
  readonly name: string;
}
export type Membership = {
  readonly slug: string;
  readonly name: string;
  readonly role: Role;
  readonly status: UserStatus;
};
export interface Me {
  readonly account: Account;
  readonly workspaces: readonly Membership[];
}

/** The server's shortest password (it answers 422 `password-too-short` below it). */
export const MIN_PASSWORD_LENGTH = limits.MIN_PASSWORD_LENGTH;

/** An admin-issued one-time password reset link (`POST …/users/:id/password-reset`). */
export interface PasswordResetLink {
  readonly url: string;
  /** When the link stops working (ms since the epoch). */
  readonly expiresAt: number;
}

export interface AuditEntry {
  readonly id?: string | number;
  readonly at: number | string;
  readonly actor?: string | { email?: string; name?: string } | null;
  readonly action?: string;
  readonly summary?: string;
  readonly [key: string]: unknown;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, error: { code: 'network', message: 'The server cannot be reached', status: 0 } };
  }
  let data: unknown = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (res.ok) return { ok: true, value: data as T };
  const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  return {
    ok: false,
    error: {
      code: err?.code ?? `http-${res.status}`,
      message: err?.message ?? res.statusText ?? 'Request failed',
      status: res.status,
      ...(err?.details === undefined ? {} : { details: err.details }),
    },
  };
}

const ws = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}`;

export const api = {
  /** Who is signed in, or `me: null` (200 either way: probing before sign-in logs no 401). */
  session: () => request<{ me: Me | null }>('GET', '/api/session'),
  login: (email: string, password: string) => request<unknown>('POST', '/api/login', { email, password }),
  logout: () => request<unknown>('POST', '/api/logout'),
  setup: (body: {
    token: string;
    workspace: { name: string; slug: string };
    admin: { email: string; name: string; password: string };
  }) => request<unknown>('POST', '/api/setup', body),
  invitation: (token: string) =>
    request<{ workspace: { slug: string; name: string }; email: string; name: string }>(
      'GET',
      `/api/invitations/${encodeURIComponent(token)}`,
    ),
  acceptInvitation: (token: string, body: { name: string; password: string }) =>
    request<unknown>('POST', `/api/invitations/${encodeURIComponent(token)}/accept`, body),
  invite: (slug: string, body: { email: string; name: string; role: string }) =>
    request<{ user: { id: string; email: string }; invitation: { url: string } }>(
      'POST',
      `${ws(slug)}/users`,
      body,
    ),
  issuePasswordReset: (slug: string, userId: string) =>
    request<{ reset: PasswordResetLink }>(
      'POST',
      `${ws(slug)}/users/${encodeURIComponent(userId)}/password-reset`,
    ),
  resetPassword: (token: string, password: string) =>
    request<null>('POST', '/api/password-reset', { token, password }),
  /**
   * One page of the audit, newest first (`cursor`: the previous page's `nextCursor`; `to`: only entries
   * committed at or before that moment, epoch ms — the as-of view).
   */
  audit: (slug: string, cursor?: string | null, to?: number | null, limit = 500) =>
    request<{ entries: AuditEntry[]; nextCursor: string | null }>(
      'GET',
      `${ws(slug)}/audit?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}${
        to != null ? `&to=${Math.floor(to)}` : ''
      }`,
    ),
  access: (slug: string) => request<unknown>('GET', `${ws(slug)}/access`),
};
