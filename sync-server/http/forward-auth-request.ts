/**
 * What a reverse proxy's forward-auth sub-request says (issue 14), read at the edge: the original
 * request's method and URL, and whether the sender may say it. Traefik and Caddy send
 * `X-Forwarded-Method/Proto/Host/Uri`; nginx configs set them (or `X-Original-URL` + `X-Original-Method`).
 * `X-Forwarded-*` win over `X-Original-*` when both come: Traefik passes the client's own headers on, so an
 * `X-Original-URL` a client wrote must not override the `X-Forwarded-Host` the proxy wrote.
 *
 * Trust: those headers name any host and path, so they are believed only from a peer in TRUSTED_PROXIES,
 * with the shared secret (`X-Gatehouse-Proxy-Secret`, FORWARD_AUTH_SECRET) or with a decision token; the
 * route checks the last (it needs storage), this module the first two.
 */
import type { IncomingMessage } from 'node:http';
import { createTrustedCheck, peerAddress } from '../auth/client-ip.ts';
import { sameSecret } from '../auth/tokens.ts';
import type { ServerConfig } from '../config.ts';

export const PROXY_SECRET_HEADER = 'x-gatehouse-proxy-secret';
/** At least this long, so a guessable word is not a proxy's secret. */
export const MIN_PROXY_SECRET_LENGTH = 16;
/** URLs longer than this are refused (the app matcher reads at most 4,096 characters). */
const MAX_URL_LENGTH = 4096;

export interface OriginalRequest {
  readonly method: string;
  /** Absolute `http(s)://host[:port]/path?query`. */
  readonly url: string;
}

const one = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v === undefined ? undefined : v;

/** The first of a comma list (a proxy chain appends: `https, http`), trimmed. */
const first = (v: string | undefined): string | undefined => v?.split(',')[0]?.trim() || undefined;

const METHOD_RE = /^[A-Z]{1,16}$/;
const HOST_RE = /^[a-z0-9.-]{1,253}(?::\d{1,5})?$|^\[[0-9a-f:.]{2,45}\](?::\d{1,5})?$/i;

/** The original method and URL, or a sentence saying what is missing or malformed. */
export function originalRequest(req: IncomingMessage): OriginalRequest | string {
  const h = req.headers;
  const method = (one(h['x-forwarded-method']) ?? one(h['x-original-method']))?.trim().toUpperCase();
  if (!method)
    return 'X-Forwarded-Method (or X-Original-Method) is missing: the proxy must send the original method';
  if (!METHOD_RE.test(method)) return 'X-Forwarded-Method is not an HTTP method';
  const host = first(one(h['x-forwarded-host']));
  let url: string;
  if (host) {
    const proto = (first(one(h['x-forwarded-proto'])) ?? 'https').toLowerCase();
    if (proto !== 'http' && proto !== 'https') return 'X-Forwarded-Proto must be http or https';
    if (!HOST_RE.test(host)) return 'X-Forwarded-Host is not a host name';
    const uri = one(h['x-forwarded-uri']) ?? '/';
    if (!uri.startsWith('/')) return 'X-Forwarded-Uri must start with /';
    url = `${proto}://${host.toLowerCase()}${uri}`;
  } else {
    const original = one(h['x-original-url'])?.trim();
    if (!original)
      return 'X-Forwarded-Host (or X-Original-URL) is missing: the proxy must send the original URL';
    url = original;
  }
  if (url.length > MAX_URL_LENGTH) return `The original URL is longer than ${MAX_URL_LENGTH} characters`;
  if (!/^https?:\/\/[^/?#\s]+(?:[/?#]\S*)?$/i.test(url))
    return 'The original URL is not an absolute http(s) URL';
  return { method, url };
}

/** Whether a request comes from a trusted proxy: its address, or the shared secret header. */
export type ProxyTrust = (req: IncomingMessage) => boolean;

export function createProxyTrust(
  config: Pick<ServerConfig, 'trustedProxies' | 'forwardAuthSecret'>,
): ProxyTrust {
  const trusted = createTrustedCheck(config.trustedProxies);
  const secret = config.forwardAuthSecret;
  return (req) => {
    if (config.trustedProxies.length > 0 && trusted(peerAddress(req))) return true;
    const sent = one(req.headers[PROXY_SECRET_HEADER]);
    return secret !== null && sent !== undefined && sameSecret(sent, secret);
  };
}

/** Stops a server at start on a forward-auth setting that cannot work or is unsafe. */
export function checkForwardAuthConfig(
  config: Pick<ServerConfig, 'forwardAuthSecret' | 'sessionCookieDomain'>,
) {
  const s = config.forwardAuthSecret;
  if (s !== null && s.length < MIN_PROXY_SECRET_LENGTH)
    throw new Error(`FORWARD_AUTH_SECRET: at least ${MIN_PROXY_SECRET_LENGTH} characters`);
  const d = config.sessionCookieDomain;
  if (d !== null && !isCookieDomain(d))
    throw new Error(
      `SESSION_COOKIE_DOMAIN: "${d}" is not a domain name like corp.com (no scheme, port or path)`,
    );
}

/** A domain a cookie may name: two labels or more, letters, digits and hyphens, no leading dot needed. */
export function isCookieDomain(d: string): boolean {
  const labels = d.replace(/^\./, '').toLowerCase().split('.');
  return labels.length >= 2 && labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l));
}

/** True when `host` (no port) is the cookie domain or under it. */
export function underCookieDomain(host: string, domain: string | null): boolean {
  if (!domain) return false;
  const d = domain.replace(/^\./, '').toLowerCase();
  const h = host.toLowerCase();
  return h === d || h.endsWith(`.${d}`);
}
