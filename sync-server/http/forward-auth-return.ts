/**
 * Where the sign-in page may send a person back to after forward auth asked them to sign in (issue 14):
 * only an http(s) URL of one of the workspace's apps (core matchApp over its URL patterns), a host under
 * SESSION_COOKIE_DOMAIN, or Gatehouse's own origin — never anywhere else (no open redirect). The URL is
 * parsed the WHATWG way, as the browser will read it, so `https://evil.test\@hr.corp.com`, `//evil.test`
 * or `javascript:` are judged by the host the browser would open.
 */
import { matchApp, type WorkspaceState } from '../../core/index.ts';
import { underCookieDomain } from './forward-auth-request.ts';

/** The path of the return step (the sign-in page's `next`). */
export const RETURN_PATH = '/api/forward-auth/return';
const MAX_RETURN_URL_LENGTH = 4096;

export type ReturnCheck =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly message: string };

export function checkReturnUrl(
  raw: string | null,
  state: WorkspaceState,
  cookieDomain: string | null,
  publicUrl: string | null,
): ReturnCheck {
  if (!raw) return { ok: false, message: 'The link says nowhere to return to (rd is missing)' };
  if (raw.length > MAX_RETURN_URL_LENGTH) return { ok: false, message: 'The return URL is too long' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'The return URL is not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, message: 'The return URL must be http or https' };
  if (url.username || url.password) return { ok: false, message: 'The return URL may not carry a user name' };
  const href = url.href;
  if (publicUrl && url.origin === new URL(publicUrl).origin) return { ok: true, url: href };
  if (underCookieDomain(url.hostname, cookieDomain)) return { ok: true, url: href };
  if (matchApp(state, href)) return { ok: true, url: href };
  return {
    ok: false,
    message: `${url.host} is not the address of an app of ${state.meta.name}: Gatehouse returns only to its apps`,
  };
}

/** The sign-in page's URL that comes back to `url` through the return step. */
export function signInUrl(base: string, workspaceSlug: string, url: string): string {
  const next = `${RETURN_PATH}?ws=${encodeURIComponent(workspaceSlug)}&rd=${encodeURIComponent(url)}`;
  return `${base}/login?next=${encodeURIComponent(next)}`;
}
