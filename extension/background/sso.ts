/**
 * Single sign-on from the extension: `chrome.identity.launchWebAuthFlow` opens the server's SSO start for
 * the workspace's first connection, with this extension's own return URL; the server, once the person
 * signed in at their identity provider, shows a page whose link (clicked by the person) hands the session
 * token over in the return URL's fragment.
 */

import { isObject, isString } from '../decode.ts';
import { type ExtResult, extFail, extOk } from '../errors.ts';

/** The ids of the SSO connections a workspace offers on its (public) sign-in page. */
async function ssoConnections(serverUrl: string, workspace: string): Promise<ExtResult<string[]>> {
  let res: Response;
  try {
    res = await fetch(`${serverUrl}/api/sso/options/${encodeURIComponent(workspace)}`, {
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return extFail('unreachable');
  }
  if (res.status === 404) return extFail('sso-unavailable');
  if (!res.ok) return extFail('server-error');
  const body: unknown = await res.json().catch(() => null);
  const list = isObject(body) && Array.isArray(body.connections) ? (body.connections as unknown[]) : null;
  if (!list) return extFail('bad-response');
  return extOk(list.flatMap((c) => (isObject(c) && isString(c.id) ? [c.id] : [])));
}

export async function ssoToken(serverUrl: string, workspace: string): Promise<ExtResult<string>> {
  if (!workspace) return extFail('sso-unavailable');
  const connections = await ssoConnections(serverUrl, workspace);
  if (!connections.ok) return connections;
  const [first] = connections.value;
  if (!first) return extFail('sso-unavailable');
  const returnTo = chrome.identity.getRedirectURL('sso');
  const url =
    `${serverUrl}/api/sso/start/${encodeURIComponent(workspace)}/${encodeURIComponent(first)}` +
    `?returnTo=${encodeURIComponent(returnTo)}`;
  let back: string | undefined;
  try {
    back = await chrome.identity.launchWebAuthFlow({ url, interactive: true });
  } catch {
    return extFail('sso-cancelled');
  }
  if (!back?.startsWith(returnTo)) return extFail('sso-cancelled');
  const token = new URLSearchParams(new URL(back).hash.slice(1)).get('token');
  return token ? extOk(token) : extFail('sso-cancelled');
}
