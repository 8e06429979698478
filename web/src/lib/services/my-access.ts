/**
 * My access: the server's `/access` summary; offline, the last one kept locally (marked stale). For admins
 * with the workspace doc open, core `summarize` gives the same answer locally.
 */
import type { AccessSummary } from '../../../../core/index.ts';
import { database, getPref, setPref } from '../db/index.ts';
import { api } from './api.ts';
import { errorText } from './handle-error.ts';

export async function loadMyAccess(
  ws: string,
): Promise<{ summary: AccessSummary | null; stale: boolean; error?: string }> {
  const key = `access:${ws}`;
  const res = await api.access(ws);
  if (res.ok) {
    const v = res.value as AccessSummary | { summary: AccessSummary };
    const summary = 'summary' in v ? v.summary : v;
    await setPref(database(), key, summary).catch(() => {});
    return { summary, stale: false };
  }
  const cached = await getPref<AccessSummary>(database(), key).catch(() => undefined);
  if (cached && (res.error.status === 0 || res.error.status >= 500)) return { summary: cached, stale: true };
  return { summary: null, stale: false, error: errorText(res.error) };
}
