/**
 * The service worker: wiring only. It owns the session and the cached summaries (summaries.ts), answers
 * the popup through one typed handler map, serves panels over ports (panels.ts), and keeps the content
 * script registered. Every message's sender is checked before dispatch; handlers answer results.
 */
import { type ExtResult, extFail, extOk } from '../errors.ts';
import {
  isPopupRequest,
  PANEL_PORT,
  type PopupProtocol,
  type PopupReply,
  type PopupRequest,
  type PopupRequestType,
} from '../messages.ts';
import { PANEL_CACHE_KEY, PANEL_CACHE_VERSION } from '../panel-cache.ts';
import { normalizeServerUrl, serverPermission } from '../server-url.ts';
import { ensureContentScript } from './content-script.ts';
import { createItems } from './items.ts';
import { createLive } from './live.ts';
import { createPanels, panelCacheOf } from './panels.ts';
import { waitForHostPermission } from './permissions.ts';
import { popupState } from './popup-state.ts';
import { createSummaries } from './summaries.ts';

// The token lives in storage.local: keep it out of reach of content scripts. storage.session holds only
// the panel cache (summaries and panel preferences), which content scripts read to draw before the
// worker wakes (panel-cache.ts).
void chrome.storage.local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => {});
void chrome.storage.session
  .setAccessLevel?.({ accessLevel: 'TRUSTED_AND_UNTRUSTED_CONTEXTS' })
  .catch(() => {});

const items = createItems(chrome.storage.local);
const summaries = createSummaries({ items });
const live = createLive(summaries);

let mirroring = Promise.resolve();
/** Writes the panel cache for content scripts (in order; the last write wins). */
function mirror(): void {
  mirroring = mirroring
    .then(async () => {
      const cache = await panelCacheOf(summaries, items);
      if (cache)
        await chrome.storage.session.set({ [PANEL_CACHE_KEY]: { v: PANEL_CACHE_VERSION, data: cache } });
      else await chrome.storage.session.remove(PANEL_CACHE_KEY);
    })
    .catch(() => {});
}
summaries.onChange(mirror);
const panels = createPanels(summaries, live, items, mirror);

type Handlers = {
  [K in PopupRequestType]: (req: Extract<PopupRequest, { type: K }>) => Promise<PopupReply<K>>;
};

const state = async () => extOk(await popupState(summaries, items));

const handlers: Handlers = {
  'state.get': state,
  async 'state.refresh'() {
    await summaries.refreshAll();
    return state();
  },
  async 'session.signIn'({ signIn }) {
    const serverUrl = normalizeServerUrl(signIn.serverUrl);
    if (!serverUrl) return extFail('invalid-server-url');
    if (!(await waitForHostPermission(serverPermission(serverUrl)))) return extFail('permission-denied');
    const result = await summaries.signIn(signIn);
    return result.ok ? state() : result;
  },
  async 'session.signOut'() {
    await summaries.signOut();
    return state();
  },
};

async function dispatch(req: PopupRequest): Promise<ExtResult<PopupProtocol[PopupRequestType][1]>> {
  try {
    const handler = handlers[req.type] as (
      r: PopupRequest,
    ) => Promise<ExtResult<PopupProtocol[PopupRequestType][1]>>;
    return await handler(req);
  } catch {
    return extFail('server-error', 'Something went wrong in the extension. Try again.');
  }
}

const EXTENSION_ORIGIN = new URL(chrome.runtime.getURL('/')).origin;

chrome.runtime.onMessage.addListener((msg: unknown, sender, sendResponse) => {
  // Only our own pages (the popup) may call the worker; content scripts speak over panel ports.
  if (sender.id !== chrome.runtime.id || !sender.url || new URL(sender.url).origin !== EXTENSION_ORIGIN)
    return false;
  if (!isPopupRequest(msg)) {
    sendResponse(extFail('bad-request'));
    return false;
  }
  void dispatch(msg).then(sendResponse);
  return true;
});

chrome.runtime.onConnect.addListener((port) => {
  const { sender } = port;
  const url = sender?.url;
  if (
    port.name !== PANEL_PORT ||
    sender?.id !== chrome.runtime.id ||
    !sender.tab ||
    sender.frameId !== 0 ||
    !url
  ) {
    port.disconnect();
    return;
  }
  if (!/^https?:/.test(url)) {
    port.disconnect();
    return;
  }
  panels.connect(port, url);
});

chrome.runtime.onInstalled.addListener(() => void ensureContentScript());
chrome.runtime.onStartup.addListener(() => void ensureContentScript());

// A content script is usually what wakes the worker: start reading the cache before its port arrives.
// After a browser restart storage.session is empty: fill it again from storage.local.
void summaries.getSession().then(async (s) => {
  await Promise.all((s?.workspaces ?? []).map((w) => summaries.cached(w.slug)));
  const stored = await chrome.storage.session.get(PANEL_CACHE_KEY);
  if (!stored[PANEL_CACHE_KEY]) mirror();
});
