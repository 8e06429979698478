/**
 * Permission history over REST (issue 15): timelines, the diff between two dates, the access review at a
 * date, a user's access as of a date, and undo with its preview. Times go out as ISO strings.
 */
import type { Level, Role } from '../../../../core/index.ts';
import { type ApiResult, request } from './api.ts';

const H = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}/history`;
const q = (params: Record<string, string | number | undefined>) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

export interface Cause {
  readonly auditId: number;
  readonly at: string;
  readonly actor: { readonly email: string | null; readonly name: string | null } | null;
  readonly action: string;
  readonly summary: string;
}
export interface LevelChange {
  readonly resourceType: 'app' | 'dataSource';
  readonly resourceId: string;
  readonly resourceName: string;
  readonly before: Level | null;
  readonly after: Level | null;
}
export interface UserTimeline {
  readonly user: { readonly id: string; readonly email: string; readonly name: string; readonly role: Role };
  readonly from: { readonly at: string };
  readonly to: { readonly at: string };
  readonly initial: {
    role: Role;
    groups: string[];
    access: (LevelChange & { level: Level | null })[];
  } | null;
  readonly events: {
    seq: number;
    at: string;
    role?: { from: Role | null; to: Role | null };
    groupsAdded: string[];
    groupsRemoved: string[];
    access: LevelChange[];
    cause: Cause | null;
  }[];
  readonly truncated: boolean;
}
export interface AppTimeline {
  readonly app: { readonly id: string; readonly name: string };
  readonly from: { readonly at: string };
  readonly to: { readonly at: string };
  readonly initial: { user: { id: string; email: string }; level: Level | null }[];
  readonly events: {
    at: string;
    user: { id: string; email: string };
    before: Level | null;
    after: Level | null;
    cause: Cause | null;
  }[];
  readonly truncated: boolean;
}
export interface DiffRow {
  readonly user: { readonly id: string; readonly email: string };
  readonly resourceType: 'app' | 'dataSource';
  readonly resourceName: string;
  readonly before: Level | null;
  readonly after: Level | null;
  readonly cause: Cause | null;
}
export interface AccessDiff {
  readonly changes: readonly DiffRow[];
  readonly truncated: boolean;
}
export interface AccessAt {
  readonly user: { readonly email: string; readonly role: Role; readonly status: string };
  readonly groups: readonly string[];
  readonly apps: readonly { id: string; name: string; level: Level; via: string[] }[];
  readonly dataSources: readonly { id: string; name: string; level: Level; via: string[] }[];
}
export interface UndoPreview {
  readonly dryRun: boolean;
  readonly auditId: number;
  readonly summary: string;
  readonly ops: number;
  readonly conflicts: readonly {
    name: string;
    field: string;
    before: unknown;
    afterChange: unknown;
    now: unknown;
  }[];
  readonly impact: {
    readonly roleChanges: readonly unknown[];
    readonly accessChanges: readonly unknown[];
    readonly membershipsAdded: readonly { userId: string; groupName: string }[];
    readonly membershipsRemoved: readonly { userId: string; groupName: string }[];
    readonly usersAffected: number;
  };
}

/** A date input's value (local time) as an ISO instant; empty stays empty. */
export const isoOf = (local: string) => (local ? new Date(local).toISOString() : '');

export const historyApi = {
  bounds: (slug: string) => request<{ start: string; now: string }>('GET', `${H(slug)}/bounds`),
  userTimeline: (slug: string, user: string, from?: string, to?: string) =>
    request<UserTimeline>('GET', `${H(slug)}/timeline/user?${q({ user, from, to })}`),
  appTimeline: (slug: string, app: string, from?: string, to?: string) =>
    request<AppTimeline>('GET', `${H(slug)}/timeline/app?${q({ app, from, to })}`),
  diff: (slug: string, from: string, to: string) =>
    request<AccessDiff>('GET', `${H(slug)}/diff?${q({ from, to })}`),
  accessAt: (slug: string, user: string, at: string) =>
    request<AccessAt>('GET', `${H(slug)}/access?${q({ user, at })}`),
  /** Where the CSV downloads live (the browser downloads them with the session cookie). */
  diffCsvUrl: (slug: string, from: string, to: string) => `${H(slug)}/diff?${q({ from, to, format: 'csv' })}`,
  reviewCsvUrl: (slug: string, at: string) => `${H(slug)}/review?${q({ at, format: 'csv' })}`,
  undo: (
    slug: string,
    auditId: number,
    options: { dryRun?: boolean; conflicts?: 'keep-later' | 'overwrite'; allowRoleChange?: boolean } = {},
  ): Promise<ApiResult<UndoPreview>> =>
    request<UndoPreview>('POST', `${H(slug)}/undo${options.dryRun ? '?dryRun=true' : ''}`, {
      auditId,
      ...(options.conflicts ? { conflicts: options.conflicts } : {}),
      ...(options.allowRoleChange ? { allowRoleChange: true } : {}),
    }),
};
