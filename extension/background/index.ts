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
import { ensureContentScript } from './content-script.ts';
import { createItems } from './items.ts';
import { createLive } from './live.ts';
import { createPanels } from './panels.ts';
import { popupState } from './popup-state.ts';
import { createSummaries } from './summaries.ts';

// The token lives in storage.local: keep it out of reach of content scripts.
void chrome.storage.local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => {});

const items = createItems(chrome.storage.local);
const summaries = createSummaries({ items });
const live = createLive(summaries);
const panels = createPanels(summaries, live, items);

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
void ensureContentScript();
