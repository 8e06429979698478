/**
 * The small pages forward auth answers browsers with (issue 14): "You can't open <app>" (403: why, who
 * can grant it, Request access), "Sign in" (401: the sign-in link, followed at once), and a refused return
 * URL. Every user-written text is escaped; the pages load nothing (inline style only) and work at 390 px.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Denied } from '../forward-auth-answer.ts';
import { escapeHtml } from '../static.ts';

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

/** True when the client asked for a page (a browser's navigation), not for JSON. */
export function wantsHtml(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '');
  return /\btext\/html\b/i.test(accept) && !/^\s*application\/json/i.test(accept);
}

function page(title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${head}
<title>${escapeHtml(title)}</title><style>
body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2.5rem auto;padding:0 1rem;color:#1f2937;background:#fff}
h1{font-size:1.5rem;line-height:1.25;overflow-wrap:anywhere}p{overflow-wrap:anywhere}
.button{display:inline-block;padding:.6rem 1rem;border-radius:6px;background:#1d4ed8;color:#fff;text-decoration:none;font-weight:600}
.button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}.muted{color:#4b5563}
</style></head><body><main>${body}</main></body></html>`;
}

export function sendPage(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
) {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, { ...HEADERS, 'content-length': body.length, ...headers });
  res.end(body);
}

const LEVEL_WORD = { view: 'View', edit: 'Edit' } as const;

/** "You can't open <app>": why, who can grant it, and Request access (a prefilled mail to the admins). */
export function deniedPage(d: Denied): string {
  const app = escapeHtml(d.app.name);
  const held =
    d.level === 'view' && d.needs === 'edit'
      ? `<p>You can view ${app}, but this action needs <strong>Edit</strong> access.</p>`
      : '';
  const ask = d.whomToAsk
    ? `<p>${escapeHtml(d.whomToAsk)}</p>`
    : '<p>No workspace admin can be named here; ask whoever runs Gatehouse for your team.</p>';
  const request = d.requestAccess
    ? `<p><a class="button" href="${escapeHtml(d.requestAccess)}">Request access</a></p>`
    : '';
  return page(
    `You can't open ${d.app.name}`,
    `<h1>You can't open ${app}</h1>
<p>${escapeHtml(d.reason)}</p>${held}
<h2>Who can grant it</h2>${ask}${request}
<p class="muted">Access needed: ${LEVEL_WORD[d.needs]}.</p>`,
  );
}

/** "Sign in to continue": the link, followed at once (proxies that pass a 401 through show this page). */
export function signInPage(signInUrl: string): string {
  const href = escapeHtml(signInUrl);
  return page(
    'Sign in to continue',
    `<h1>Sign in to continue</h1><p>You need to sign in to Gatehouse to open this page.</p>
<p><a class="button" href="${href}">Sign in</a></p>`,
    `<meta http-equiv="refresh" content="0;url=${href}">`,
  );
}

/** A return URL that is not one of the workspace's apps: no redirect, a way back instead. */
export function unsafeReturnPage(message: string): string {
  return page(
    'This link cannot continue',
    `<h1>This link cannot continue</h1><p>${escapeHtml(message)}</p><p><a href="/">Go to Gatehouse</a></p>`,
  );
}
