/**
 * SSO for the browser extension: the extension opens the server's SSO start with
 * `chrome.identity.launchWebAuthFlow`, its return URL being its own `https://<id>.chromiumapp.org/…`.
 * After the sign-in the server does not redirect there at once: it shows a page naming the extension and
 * the account, whose one link hands the session token over (in the URL fragment, never sent to a
 * server). So an extension cannot take a session silently (`interactive: false` never ends on the link):
 * the person must click it.
 */
import type { ServerResponse } from 'node:http';
import { sendPage } from '../../http/routes/forward-auth-page.ts';
import { escapeHtml } from '../../http/static.ts';

const EXTENSION_RETURN = /^https:\/\/([a-p]{32})\.chromiumapp\.org\/[\w\-./]*$/;

/** The extension id of an extension's return URL, or null for anything else. */
export const extensionIdOf = (url: string): string | null => EXTENSION_RETURN.exec(url)?.[1] ?? null;

export function sendExtensionHandoff(
  res: ServerResponse,
  returnTo: string,
  session: { token: string; expiresAt: number; account: { email: string } },
): void {
  const id = extensionIdOf(returnTo)!;
  const fragment = new URLSearchParams({ token: session.token, expiresAt: String(session.expiresAt) });
  const link = `${returnTo}#${fragment}`;
  res.removeHeader('set-cookie');
  sendPage(
    res,
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to the Gatehouse extension</title><style>
body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2.5rem auto;padding:0 1rem;color:#1f2937;background:#fff}
p,h1{overflow-wrap:anywhere}.button{display:inline-block;padding:.6rem 1rem;border-radius:6px;background:#1d4ed8;color:#fff;text-decoration:none;font-weight:600}
.button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}.muted{color:#4b5563}
</style></head><body><main><h1>Sign in to the Gatehouse extension</h1>
<p>You signed in as <strong>${escapeHtml(session.account.email)}</strong>. The browser extension <code>${id}</code> asks to use this sign-in.</p>
<p class="muted">Continue only if you started this from the Gatehouse extension your company gave you.</p>
<p><a class="button" id="continue" href="${escapeHtml(link)}">Continue to the extension</a></p></main></body></html>`,
  );
}
