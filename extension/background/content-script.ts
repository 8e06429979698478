/**
 * The panel's content script is registered at run time for `<all_urls>`, so it is injected exactly where
 * the extension holds host permission: the server's origin, localhost, and the app sites the person
 * allowed from the popup (optional host permissions). Nothing is injected anywhere else.
 */

export const CONTENT_SCRIPT_ID = 'gatehouse-panel';

export async function ensureContentScript(): Promise<void> {
  try {
    const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [CONTENT_SCRIPT_ID] });
    if (existing.length > 0) return;
    await chrome.scripting.registerContentScripts([
      {
        id: CONTENT_SCRIPT_ID,
        matches: ['<all_urls>'],
        js: ['content.js'],
        runAt: 'document_start',
        allFrames: false,
        persistAcrossSessions: true,
      },
    ]);
  } catch {
    // Registered concurrently by onInstalled and the worker's start: one of them wins.
  }
}
