/**
 * Access requests over REST (issue 16): the caller asks and sees their own; admins list, preview,
 * approve and deny. The server checks everything (one open request per person and resource, consent for
 * role changes); these calls return its answers as results.
 */
import type { Impact } from '../../../../core/index.ts';
import { type ApiResult, request } from './api.ts';

export type ResourceType = 'app' | 'dataSource';
export type RequestDuration = '1d' | '7d' | '30d' | null;

export interface RequestOption {
  readonly groupId: string;
  readonly groupName: string;
  readonly level: string;
  readonly roleChange: string | null;
  readonly text: string;
  /** "This would make you a Builder", or null. */
  readonly meaning: string | null;
}

export interface AccessRequestView {
  readonly id: string;
  readonly status: 'open' | 'approved' | 'denied' | 'cancelled';
  readonly user: { readonly id: string; readonly email: string; readonly name: string };
  readonly resource: { readonly type: ResourceType; readonly id: string; readonly name: string };
  readonly level: string;
  readonly reason: string;
  readonly duration: RequestDuration;
  readonly group: { readonly id: string; readonly name: string };
  readonly createdAt: number;
  readonly decidedBy: string | null;
  readonly grantedGroup: { readonly id: string; readonly name: string } | null;
  readonly expiresAt: number | null;
  readonly decisionReason: string | null;
  /** "Approved by Ada — View until 8 Dec 2026". */
  readonly text: string;
}

const base = (ws: string) => `/api/workspaces/${encodeURIComponent(ws)}/requests`;

export const DURATIONS: readonly { readonly value: RequestDuration; readonly label: string }[] = [
  { value: '1d', label: '1 day' },
  { value: '7d', label: '1 week' },
  { value: '30d', label: '30 days' },
  { value: null, label: 'Until revoked' },
];

export const requestService = {
  options: (ws: string, resourceType: ResourceType, resourceId: string, level: string) =>
    request<{ options: RequestOption[] }>(
      'GET',
      `${base(ws)}/options?${new URLSearchParams({ resourceType, resourceId, level })}`,
    ),
  create: (
    ws: string,
    body: {
      resourceType: ResourceType;
      resourceId: string;
      level: string;
      reason: string;
      duration: RequestDuration;
      groupId?: string;
    },
  ) => request<{ request: AccessRequestView }>('POST', base(ws), body),
  mine: (ws: string) => request<{ requests: AccessRequestView[] }>('GET', `${base(ws)}/mine`),
  /** Withdraws one's own open request. */
  cancel: (ws: string, id: string) =>
    request<{ request: AccessRequestView }>('POST', `${base(ws)}/${encodeURIComponent(id)}/cancel`),
  list: (ws: string, status?: string) =>
    request<{ requests: AccessRequestView[] }>('GET', status ? `${base(ws)}?status=${status}` : base(ws)),
  get: (ws: string, id: string) =>
    request<{ request: AccessRequestView; impact: Impact | null }>(
      'GET',
      `${base(ws)}/${encodeURIComponent(id)}`,
    ),
  approve: (
    ws: string,
    id: string,
    body: { groupId?: string; expiresAt?: number | null; allowRoleChange?: boolean },
  ): Promise<ApiResult<{ request: AccessRequestView; impact: Impact }>> =>
    request('POST', `${base(ws)}/${encodeURIComponent(id)}/approve`, body),
  deny: (ws: string, id: string, reason: string) =>
    request<{ request: AccessRequestView }>('POST', `${base(ws)}/${encodeURIComponent(id)}/deny`, { reason }),
};
