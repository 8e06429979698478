/**
 * My access: the server's `/access` summary over the workspace's `/access/catalog`, joined by core's
 * `expandSummary`. The catalog is the same for every member and changes rarely: the browser's HTTP cache
 * keeps it (the server sends an ETag and `no-cache`, so a reload costs a 304). Offline, the last pair kept
 * locally is shown, marked stale. An admin may read another user's the same way (`loadAccessAs`: their
 * `…/users/:id/access`, never kept offline).
 */
import {
  type AccessCatalog,
  type AccessSummary,
  expandSummary,
  type UserSummary,
} from '../../../../core/index.ts';
import { database, getPref, setPref } from '../db/index.ts';
import { type ApiError, api, request } from './api.ts';
import { errorText } from './handle-error.ts';

interface Kept {
  readonly catalog: AccessCatalog;
  readonly summary: UserSummary;
}

/** The catalog and its id (the ETag without quotes), or null when it cannot be read. */
async function fetchCatalog(ws: string): Promise<{ catalog: AccessCatalog; id: string } | null> {
  try {
    const res = await fetch(`/api/workspaces/${encodeURIComponent(ws)}/access/catalog`, {
      credentials: 'same-origin',
    });
    const etag = res.headers.get('etag');
    if (!res.ok || !etag) return null;
    const catalog = (await res.json()) as AccessCatalog;
    return catalog?.format === 2 ? { catalog, id: etag.replace(/^W\//, '').slice(1, -1) } : null;
  } catch {
    return null;
  }
}

/** The summary (the caller's, or `userId`'s) and the catalog it names (changed in between: one more round). */
async function fetchAccess(ws: string, userId?: string): Promise<Kept | { error: ApiError }> {
  const as = userId
    ? () =>
        request<unknown>(
          'GET',
          `/api/workspaces/${encodeURIComponent(ws)}/users/${encodeURIComponent(userId)}/access`,
        )
    : () => api.access(ws);
  for (let round = 0; round < 3; round++) {
    const res = await as();
    if (!res.ok) return { error: res.error };
    const summary = res.value as UserSummary;
    if (summary?.format !== 2)
      return { error: { code: 'bad-response', message: 'Unexpected answer', status: 502 } };
    const c = await fetchCatalog(ws);
    if (!c) return { error: { code: 'network', message: 'The server cannot be reached', status: 0 } };
    if (c.id === summary.catalog) return { catalog: c.catalog, summary };
  }
  return {
    error: { code: 'server-error', message: 'Your access changed while loading; reload', status: 503 },
  };
}

export async function loadMyAccess(
  ws: string,
): Promise<{ summary: AccessSummary | null; stale: boolean; error?: string }> {
  const key = `access2:${ws}`;
  const got = await fetchAccess(ws);
  if (!('error' in got)) {
    await setPref(database(), key, got).catch(() => {});
    return { summary: expandSummary(got.catalog, got.summary), stale: false };
  }
  const cached = await getPref<Kept>(database(), key).catch(() => undefined);
  if (cached?.catalog && cached.summary && (got.error.status === 0 || got.error.status >= 500))
    return { summary: expandSummary(cached.catalog, cached.summary), stale: true };
  return { summary: null, stale: false, error: errorText(got.error) };
}

/** My access as another user (an admin's read-only view): their very summary; nothing kept offline. */
export async function loadAccessAs(
  ws: string,
  userId: string,
): Promise<{ summary: AccessSummary | null; error?: string }> {
  const got = await fetchAccess(ws, userId);
  if ('error' in got) return { summary: null, error: errorText(got.error) };
  return { summary: expandSummary(got.catalog, got.summary) };
}

/**
 * My access from an `access` event of `/access/events` (its data is the summary, as `/access` answers):
 * over the kept catalog when the summary names it, with no request; null when it names another catalog
 * (then `loadMyAccess` reads both) or the data is not a summary. `changed` is false when it says what
 * the kept one says (the event that follows the stream's opening).
 */
export async function summaryFromEvent(
  ws: string,
  data: string,
): Promise<{ summary: AccessSummary; changed: boolean } | null> {
  let summary: UserSummary;
  try {
    summary = JSON.parse(data) as UserSummary;
  } catch {
    return null;
  }
  if (summary?.format !== 2) return null;
  const key = `access2:${ws}`;
  const kept = await getPref<Kept>(database(), key).catch(() => undefined);
  if (!kept?.catalog || kept.summary?.catalog !== summary.catalog) return null;
  const changed = JSON.stringify(kept.summary) !== JSON.stringify(summary);
  if (changed) await setPref(database(), key, { catalog: kept.catalog, summary }).catch(() => {});
  return { summary: expandSummary(kept.catalog, summary), changed };
}
