/**
 * The open panels: one port per content script. A panel gets its model from the cached summary at once,
 * then the workspace is refreshed and followed (live.ts) until the port closes; every change to the
 * summary is pushed to the panels that show it.
 */
import { isPanelRequest, type PanelUpdate } from '../messages.ts';
import { type FoundPanel, findPanel, type PanelCache } from '../panel-cache.ts';
import type { Items } from './items.ts';
import type { Live } from './live.ts';
import type { Summaries } from './summaries.ts';

/** After a page matched no cached app, re-read the memberships at most this often. */
export const MISS_REFRESH_MS = 60_000;

/** The panel for a URL from the worker's cache, or null. */
export async function findPanelFor(
  summaries: Summaries,
  items: Items,
  url: string,
): Promise<FoundPanel | null> {
  const cache = await panelCacheOf(summaries, items);
  return cache ? findPanel(cache, url) : null;
}

/** The worker's cache in the shape content scripts read (and the worker mirrors); null when signed out. */
export async function panelCacheOf(summaries: Summaries, items: Items): Promise<PanelCache | null> {
  const session = await summaries.getSession();
  if (!session) return null;
  const [prefs, entries] = await Promise.all([
    items.panelPrefs.get(),
    Promise.all(session.workspaces.map((w) => summaries.cached(w.slug))),
  ]);
  return {
    workspaces: session.workspaces.map((w, i) => {
      const e = entries[i];
      return {
        slug: w.slug,
        view: e
          ? { summary: e.summary, fetchedAt: e.fetchedAt, stale: e.stale, staleReason: e.staleReason }
          : null,
      };
    }),
    prefs,
  };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export function createPanels(
  summaries: Summaries,
  live: Live,
  items: Items,
  onPrefsChange: () => void = () => {},
) {
  const open = new Set<chrome.runtime.Port>();

  return {
    /** Serves one content script's port (the caller has checked that it comes from a tab of ours). */
    connect(port: chrome.runtime.Port, senderUrl: string): void {
      let url = senderUrl;
      let workspace: string | null = null;
      let unwatch: (() => void) | null = null;
      let last = '';
      open.add(port);

      const post = (update: PanelUpdate) => {
        const json = JSON.stringify(update);
        if (json === last) return;
        last = json;
        try {
          port.postMessage(update);
        } catch {
          // The tab went away between the change and the post.
        }
      };

      const follow = (next: string | null) => {
        if (next === workspace) return;
        unwatch?.();
        workspace = next;
        unwatch = next ? live.watch(next) : null;
      };

      let latest = 0;
      /** The panel this port shows: the only key whose collapsed state this page may set. */
      let shownKey: string | null = null;
      /** The app the panel shows (the only one this page may ask access to). */
      let shownApp: { workspace: string; appId: string } | null = null;
      const show = async (allowRefresh: boolean) => {
        const call = ++latest;
        let found = await findPanelFor(summaries, items, url);
        if (!found && allowRefresh && summaries.msSinceFullRefresh() > MISS_REFRESH_MS) {
          await summaries.refreshAll();
          found = await findPanelFor(summaries, items, url);
        }
        // Only the latest answer counts (a single-page app may have moved on meanwhile).
        if (!open.has(port) || call !== latest) return;
        shownKey = found?.model.key ?? null;
        shownApp = found
          ? { workspace: found.workspace, appId: found.model.key.slice(found.workspace.length + 1) }
          : null;
        const asked = shownApp && summaries.latestRequest(shownApp.workspace, 'app', shownApp.appId);
        const model = found && {
          ...found.model,
          request: asked ? { status: asked.status, text: asked.text } : null,
        };
        post(model ? { type: 'panel.show', model } : { type: 'panel.none' });
        follow(found?.workspace ?? null);
      };

      const stopListening = summaries.onChange((changed) => {
        if (changed === null || changed === workspace) void show(false);
      });

      port.onMessage.addListener((msg: unknown) => {
        if (!isPanelRequest(msg)) return;
        if (msg.type === 'panel.watch') {
          if (!sameOrigin(msg.url, senderUrl)) return;
          url = msg.url;
          void show(true);
        } else if (msg.type === 'panel.request') {
          const app = shownApp;
          const key = shownKey;
          if (!app || !key) return;
          void (async () => {
            const api = await summaries.api();
            const r = api
              ? await api.requestAccess(app.workspace, { appId: app.appId, ...msg })
              : { ok: false as const, error: { message: 'Sign in from the Gatehouse extension first.' } };
            if (!open.has(port)) return;
            post({ type: 'panel.requested', key, ok: r.ok, text: r.ok ? r.value : r.error.message });
            // The request's state comes with the next read (and then with every decision, live).
            if (r.ok) void summaries.refresh(app.workspace);
          })();
        } else if (msg.type === 'panel.collapse') {
          // A page can only fold its own panel: no writing arbitrary keys into the extension's storage.
          if (msg.key !== shownKey) return;
          void items.panelPrefs
            .get()
            .then((prefs) => items.panelPrefs.set({ ...prefs, [msg.key]: msg.collapsed }))
            .then(onPrefsChange);
        }
      });

      port.onDisconnect.addListener(() => {
        open.delete(port);
        stopListening();
        follow(null);
      });
    },
    count: () => open.size,
  };
}
