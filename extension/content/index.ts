/**
 * The content script (one IIFE file, injected where the extension holds host permission). It draws from
 * the panel cache at once when this page belongs to an app (panel-cache.ts), and asks the worker over a
 * port, whose answer takes over: a panel, or nothing. While the tab is visible the port stays open and
 * the worker pushes every change; a hidden tab lets go of it.
 */
import { PANEL_PING_MS, PANEL_PORT, type PanelRequest, type PanelUpdate } from '../messages.ts';
import { findPanel, PANEL_CACHE_KEY, readPanelCache } from '../panel-cache.ts';
import { createPanel, type PanelHandle } from './panel.ts';

/** After the worker went away (restart, update), wait this long before following again. */
const RECONNECT_MS = 1_000;

let port: chrome.runtime.Port | null = null;
let ping: ReturnType<typeof setInterval> | undefined;
let panel: PanelHandle | null = null;
let url = location.href;
/** The worker has answered for the current URL (its answer beats the cache). */
let settled = false;

const send = (msg: PanelRequest) => {
  try {
    port?.postMessage(msg);
  } catch {
    port = null;
  }
};

function whenReady(fn: () => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn, { once: true });
  else fn();
}

function disconnect(): void {
  clearInterval(ping);
  const p = port;
  port = null;
  p?.disconnect();
}

function onUpdate(msg: PanelUpdate, fromWorker: boolean): void {
  if (!fromWorker && settled) return;
  if (fromWorker) settled = true;
  if (msg.type === 'panel.none') {
    panel?.remove();
    panel = null;
    disconnect();
    return;
  }
  if (msg.type === 'panel.requested') {
    panel?.requested(msg.key, msg.ok, msg.text);
    return;
  }
  whenReady(() => {
    panel ??= createPanel(
      (key, collapsed) => send({ type: 'panel.collapse', key, collapsed }),
      (request) => send(request),
    );
    panel.update(msg.model);
  });
  if (fromWorker && document.visibilityState === 'hidden') disconnect();
}

/** Draws from the cache the worker keeps in storage.session, unless the worker has answered already. */
function drawFromCache(): void {
  chrome.storage.session
    .get(PANEL_CACHE_KEY)
    .then((stored) => {
      const cache = readPanelCache(stored[PANEL_CACHE_KEY]);
      const found = cache && findPanel(cache, url);
      if (found) onUpdate({ type: 'panel.show', model: found.model }, false);
    })
    .catch(() => {}); // No cache yet (or no access to it): the worker's answer will do.
}

function connect(): void {
  if (port) return;
  try {
    port = chrome.runtime.connect({ name: PANEL_PORT });
  } catch {
    return; // The extension was reloaded or removed: this page's script is orphaned.
  }
  port.onMessage.addListener((msg: PanelUpdate) => onUpdate(msg, true));
  port.onDisconnect.addListener(() => {
    clearInterval(ping);
    port = null;
    if (panel && document.visibilityState === 'visible') setTimeout(connect, RECONNECT_MS);
  });
  send({ type: 'panel.watch', url });
  ping = setInterval(() => send({ type: 'panel.ping' }), PANEL_PING_MS);
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') {
    if (panel) disconnect();
  } else if (panel || !settled) connect(); // Refresh on show: the worker refetches and follows again.
});

// Single-page apps: a new URL may belong to another app (or to none).
const onNavigate = () => {
  if (location.href === url) return;
  url = location.href;
  settled = false;
  drawFromCache();
  if (port) send({ type: 'panel.watch', url });
  else connect();
};
addEventListener('popstate', onNavigate);
(globalThis as { navigation?: EventTarget }).navigation?.addEventListener('currententrychange', onNavigate);

connect();
drawFromCache();
