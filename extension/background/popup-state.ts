/** The popup's view of the worker: session, per-workspace summaries and the app sites still to allow. */

import { originPatterns } from '../../core/access/match-app.ts';
import type { PopupState, WorkspaceView } from '../messages.ts';
import type { Items } from './items.ts';
import type { Summaries } from './summaries.ts';

/** Host patterns of the sites of apps the person can open (a site they cannot open is not worth a prompt). */
export function appSites(views: readonly Pick<WorkspaceView, 'summary'>[]): Set<string> {
  const wanted = new Set<string>();
  for (const v of views)
    for (const app of v.summary?.apps ?? [])
      if (app.level !== null) for (const o of originPatterns(app.urlPatterns)) wanted.add(o);
  return wanted;
}

/** Host patterns of app sites the extension holds no permission for yet. */
async function missingOrigins(views: readonly WorkspaceView[]): Promise<string[]> {
  const wanted = appSites(views);
  const missing: string[] = [];
  for (const origin of wanted) {
    const has = await chrome.permissions.contains({ origins: [origin] }).catch(() => false);
    if (!has) missing.push(origin);
  }
  return missing.sort();
}

export async function popupState(summaries: Summaries, items: Items): Promise<PopupState> {
  const session = await summaries.getSession();
  if (!session) return { signedIn: false, serverUrl: await items.lastServerUrl.get() };
  const workspaces: WorkspaceView[] = [];
  for (const w of session.workspaces) {
    const entry = await summaries.cached(w.slug);
    workspaces.push({
      slug: w.slug,
      name: w.name,
      role: w.role,
      status: w.status,
      summary: entry?.summary ?? null,
      fetchedAt: entry?.fetchedAt ?? null,
      stale: entry?.stale ?? true,
      staleReason: entry?.staleReason ?? null,
    });
  }
  return {
    signedIn: true,
    serverUrl: session.serverUrl,
    account: session.account,
    workspaces,
    missingOrigins: await missingOrigins(workspaces),
  };
}
