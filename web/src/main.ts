/** Entry: mounts the app and registers the service worker (offline app shell). */
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { warmPages } from './pages/index.ts';

performance.mark('gh:boot');
const target = document.getElementById('app');
if (!target) throw new Error('#app is missing');
mount(App, { target });

if (new URLSearchParams(location.search).has('gatehouse-bench')) void import('./bench-hook.ts');

/**
 * Registers the service worker, then (once every lazy page is loaded) hands it the URLs of all loaded
 * chunks to cache. `data-offline-ready` on <html> says the shell is fully cached.
 */
async function enableOffline(): Promise<void> {
  if (!('serviceWorker' in navigator) || location.port === '5173') return; // not under the Vite dev server
  try {
    await navigator.serviceWorker.register('/sw.js');
    await warmPages();
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
void enableOffline();
