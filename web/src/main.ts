/** Entry: mounts the app and registers the service worker (offline app shell). */
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { loadConfusables } from './lib/confusables/index.ts';
import { matchRoute } from './lib/state/router.svelte.ts';
import { workspace } from './lib/state/workspace.svelte.ts';
import { loadPage, PAGES, type PageName, warmPages } from './pages/index.ts';

performance.mark('gh:boot');
const target = document.getElementById('app');
if (!target) throw new Error('#app is missing');
// A workspace page: read its local replica while the session is checked (GET /api/me) and the app mounts.
const route = matchRoute(location.pathname, location.search);
if (route.page !== 'sign-in' && 'ws' in route && route.page !== 'my-access') void workspace.preload(route.ws);
// And fetch the page's chunk now: after a first sync it would only be requested once the doc is applied.
if (route.page in PAGES) void loadPage(route.page as PageName).catch(() => {});
mount(App, { target });

if (new URLSearchParams(location.search).has('gatehouse-bench')) void import('./bench-hook.ts');

/** Resolves after the first frame has been painted (or 100 ms: a hidden tab paints no frames). */
const afterFirstPaint = () =>
  new Promise<void>((r) => {
    requestAnimationFrame(() => setTimeout(r, 0));
    setTimeout(r, 100);
  });

/**
 * Registers the service worker, then (once every lazy page and the look-alike table are loaded) hands it
 * the URLs of all loaded chunks to cache. `data-offline-ready` on <html> says the shell is fully cached.
 */
async function enableOffline(): Promise<void> {
  if (!('serviceWorker' in navigator) || location.port === '5173') return; // not under the Vite dev server
  try {
    await navigator.serviceWorker.register('/sw.js');
    await Promise.all([warmPages(), loadConfusables().catch(() => {})]);
    const reg = await navigator.serviceWorker.ready;
    const urls = performance
      .getEntriesByType('resource')
      .map((e) => e.name)
      .filter((u) => u.includes('/assets/'));
    const channel = new MessageChannel();
    const done = new Promise<void>((resolve) => {
      channel.port1.onmessage = () => resolve();
    });
    reg.active?.postMessage({ type: 'precache', urls }, [channel.port2]);
    await done;
    document.documentElement.dataset.offlineReady = 'true';
  } catch {
    // no service worker: the app still works online
  }
}
// The look-alike table (its own chunk) is needed only once a workspace shows: fetch it after first paint.
void afterFirstPaint().then(() => loadConfusables().catch(() => {}));
void enableOffline();
