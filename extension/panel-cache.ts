/**
 * The panel cache: what a content script needs to draw its panel before the service worker is awake.
 * The worker mirrors its cached summaries (never the token) and the panel preferences into
 * `chrome.storage.session`, opened to content scripts; the content script matches its URL against it
 * with core's `matchApp` (match.ts), then the worker's own answer over the port takes over.
 */
import type { ExtErrorCode } from './errors.ts';
import { matchSummaryApp } from './match.ts';
import { type PanelModel, panelKey, toPanelModel } from './panel-model.ts';
import type { AccessSummary } from './summary.ts';

export const PANEL_CACHE_KEY = 'panelCache';
export const PANEL_CACHE_VERSION = 1;

/** One workspace's last summary and how fresh it is. */
export interface CachedView {
  readonly summary: AccessSummary;
  /** When the server last confirmed it (ms since epoch). */
  readonly fetchedAt: number;
  readonly stale: boolean;
  readonly staleReason: ExtErrorCode | null;
}

export interface PanelCache {
  /** The signed-in account's workspaces, in the server's order. */
  readonly workspaces: readonly { readonly slug: string; readonly view: CachedView | null }[];
  /** `panelKey` → collapsed. */
  readonly prefs: Readonly<Record<string, boolean>>;
}

export interface FoundPanel {
  readonly workspace: string;
  readonly model: PanelModel;
}

/** The first workspace (in the server's order) with an app that the URL belongs to. */
export function findPanel(cache: PanelCache, url: string): FoundPanel | null {
  for (const { slug, view } of cache.workspaces) {
    if (!view) continue;
    const app = matchSummaryApp(view.summary, url);
    if (!app) continue;
    const model = toPanelModel(view.summary, app, {
      pageUrl: url,
      fetchedAt: view.fetchedAt,
      stale: view.stale,
      staleReason: view.staleReason,
      collapsed: cache.prefs[panelKey(view.summary.workspace.slug, app.id)] ?? null,
    });
    return { workspace: slug, model };
  }
  return null;
}

/**
 * Reads the stored cache. Only the worker writes it, so a shallow check of the envelope is enough; any
 * surprise reads as "no cache" and the content script waits for the worker instead.
 */
export function readPanelCache(stored: unknown): PanelCache | null {
  if (typeof stored !== 'object' || stored === null) return null;
  const { v, data } = stored as { v?: unknown; data?: PanelCache };
  if (v !== PANEL_CACHE_VERSION || !data || !Array.isArray(data.workspaces) || typeof data.prefs !== 'object')
    return null;
  return data;
}
