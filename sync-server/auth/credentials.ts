/** Where credentials come from: `Authorization: Bearer`, the session cookie, or (sockets only) `?token=`. */
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'gatehouse_session';

export interface Credentials {
  readonly token: string;
  readonly via: 'bearer' | 'cookie' | 'query';
}

const MAX_TOKEN_LENGTH = 200;

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k && !out.has(k)) out.set(k, v);
  }
  return out;
}

export function credentialsFrom(req: IncomingMessage, query: URLSearchParams | null): Credentials | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) {
    const token = auth.replace(/^bearer\s+/i, '').trim();
    return token && token.length <= MAX_TOKEN_LENGTH ? { token, via: 'bearer' } : null;
  }
  const fromQuery = query?.get('token');
  if (fromQuery) return fromQuery.length <= MAX_TOKEN_LENGTH ? { token: fromQuery, via: 'query' } : null;
  const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
  if (cookie) return cookie.length <= MAX_TOKEN_LENGTH ? { token: cookie, via: 'cookie' } : null;
  return null;
}

/**
 * The session cookie. With `domain` (SESSION_COOKIE_DOMAIN) it also goes to every host under that domain
 * (the app hosts behind forward auth); without, to Gatehouse's host alone.
 */
export function sessionCookie(
  token: string,
  maxAgeMs: number,
  secure: boolean,
  domain: string | null = null,
): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
  ];
  if (domain) parts.push(`Domain=${domain}`);
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearedSessionCookie(secure: boolean, domain: string | null = null): string {
  return sessionCookie('', 0, secure, domain);
}

/** The server's own origin as the request sees it, e.g. `http://localhost:8080`. */
export function requestOrigin(req: IncomingMessage, publicUrl: string | null): string {
  if (publicUrl) return new URL(publicUrl).origin;
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}

/** localhost, 127.0.0.0/8, ::1 (with or without a port). */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  else if (h.split(':').length === 2) h = h.split(':')[0]!;
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * Cookie-authenticated requests must come from our own pages: a present Origin must be ours (or an
 * allowed dev origin). Requests without Origin are not from a browser page and carry no ambient risk.
 * Without PUBLIC_URL, "ours" comes from the Host header, which a DNS-rebinding page controls: it is
 * trusted only for loopback hosts; anything else needs PUBLIC_URL or ALLOWED_ORIGINS.
 */
export function originAllowed(
  req: IncomingMessage,
  publicUrl: string | null,
  allowed: readonly string[],
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  if (publicUrl) return origin === new URL(publicUrl).origin;
  const host = req.headers.host;
  return host !== undefined && isLoopbackHost(host) && origin === requestOrigin(req, null);
}
