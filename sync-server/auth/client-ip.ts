/**
 * The client's address, the same way everywhere (rate limits, logs). `X-Forwarded-For` is honoured only
 * when the direct peer is a trusted proxy (TRUSTED_PROXIES: IPs or CIDRs); then the header is read from
 * the right, skipping trusted hops, and the first untrusted address is the client. Anyone else's
 * `X-Forwarded-For` is ignored, so a client cannot pick its own rate-limit key.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export type ClientIp = (req: IncomingMessage) => string;

/**
 * `::ffff:1.2.3.4` → `1.2.3.4`; brackets, ports (`1.2.3.4:5555`, `[::1]:5555`, as some proxies write
 * X-Forwarded-For) and zone ids dropped.
 */
function normalize(address: string): string {
  let a = address.trim();
  if (a.startsWith('[') && a.includes(']')) a = a.slice(1, a.indexOf(']'));
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  return (mapped ? mapped[1]! : a).toLowerCase();
}

/**
 * Whether an address is one of TRUSTED_PROXIES (IPs or CIDRs). Throws on an entry that is not an IP or a
 * CIDR: a typo in the trust list must not start a server.
 */
export function createTrustedCheck(trustedProxies: readonly string[]): (ip: string) => boolean {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [addr = '', bits, ...rest] = entry.trim().split('/');
    const ip = normalize(addr);
    const family = isIP(ip);
    const prefix = bits === undefined ? null : Number(bits);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      rest.length > 0 ||
      (prefix !== null && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))
    )
      throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === null) trusted.addAddress(ip, type);
    else trusted.addSubnet(ip, prefix, type);
  }
  return (ip) => {
    const family = isIP(ip);
    return family !== 0 && trusted.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** The direct peer's address, normalized (`::ffff:1.2.3.4` → `1.2.3.4`). */
export const peerAddress = (req: IncomingMessage): string => normalize(req.socket.remoteAddress ?? 'unknown');

/** Throws on an entry that is not an IP or a CIDR (see createTrustedCheck). */
export function createClientIp(trustedProxies: readonly string[]): ClientIp {
  const isTrusted = createTrustedCheck(trustedProxies);
  const none = trustedProxies.length === 0;
  return (req) => {
    const peer = peerAddress(req);
    if (none || !isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map(normalize)
      .filter(Boolean);
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) break; // not written by a trusted proxy: keep the last hop that was
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}
