/**
 * Where a webhook may point (SSRF): an http(s) URL without credentials whose host resolves only to
 * public unicast addresses — not loopback, private, link-local, CGNAT, multicast, unspecified, reserved,
 * nor an IPv4-mapped IPv6 form of one (ranges from ipaddr.js). Checked when an admin saves the URL and
 * again at every send, on the addresses the connection then uses (send-webhook.ts connects to the address
 * checked here, so a DNS answer that changes in between cannot lead it elsewhere). The server's options
 * let a receiver inside the network through: WEBHOOK_ALLOW_PRIVATE, or WEBHOOK_ALLOWED_HOSTS (names, IPs,
 * CIDRs).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export const MAX_WEBHOOK_URL = 2000;

/** A URL that may not be a webhook's; the message says why, in words an admin can act on. */
export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError';
}

export interface AddressPolicy {
  /** Any address (WEBHOOK_ALLOW_PRIVATE). */
  readonly allowPrivate: boolean;
  /** Host names, IPs or CIDRs allowed even when private (WEBHOOK_ALLOWED_HOSTS). */
  readonly allowedHosts: readonly string[];
}

export interface ResolvedTarget {
  readonly address: string;
  readonly family: 4 | 6;
}

export type Lookup = (host: string) => Promise<readonly ResolvedTarget[]>;

const systemLookup: Lookup = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  unspecified: 'the unspecified address',
  uniqueLocal: 'a private (unique local) address',
  reserved: 'a reserved address',
};

/** The URL's shape, before any address is looked at. */
export function parseWebhookUrl(text: string): URL {
  if (text.length > MAX_WEBHOOK_URL)
    throw new WebhookUrlError(`A webhook URL has at most ${MAX_WEBHOOK_URL} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlError('Enter a full URL, e.g. https://hooks.example.com/gatehouse');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebhookUrlError('A webhook URL starts with https:// (or http://)');
  if (url.username || url.password)
    throw new WebhookUrlError(
      'A webhook URL may not hold a user name or password: the signature authenticates',
    );
  if (!url.hostname) throw new WebhookUrlError('A webhook URL needs a host');
  return url;
}

/** Why `address` is no public unicast address (in words), or null when it is one. */
export function addressProblem(address: string): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return 'not an IP address';
  }
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    const v4 = (ip as ipaddr.IPv6).toIPv4Address();
    const inner = v4.range() === 'unicast' ? null : (RANGE_WORDS[v4.range()] ?? `a ${v4.range()} address`);
    return inner && `${inner} (IPv4-mapped)`;
  }
  const range = ip.range();
  return range === 'unicast' ? null : (RANGE_WORDS[range] ?? `a special-purpose (${range}) address`);
}

/** The host without IPv6 brackets, lower-cased. */
const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();

function allowedByList(host: string, address: string, allowed: readonly string[]): boolean {
  const ip = ipaddr.process(address);
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    if (e === host) return true;
    try {
      if (e.includes('/')) {
        const [net, bits] = ipaddr.parseCIDR(e);
        return net.kind() === ip.kind() && ip.match(net, bits);
      }
      return ipaddr.isValid(e) && ipaddr.process(e).toString() === ip.toString();
    } catch {
      return false;
    }
  });
}

/**
 * The addresses `url` may be sent to, first one to use; throws WebhookUrlError when the host does not
 * resolve or any of its addresses is not public (and the policy does not allow it).
 */
export async function resolveWebhookTarget(
  url: URL,
  policy: AddressPolicy,
  resolve: Lookup = systemLookup,
): Promise<ResolvedTarget> {
  const host = bareHost(url);
  let targets: readonly ResolvedTarget[];
  const family = isIP(host);
  if (family !== 0) targets = [{ address: host, family: family === 6 ? 6 : 4 }];
  else {
    try {
      targets = await resolve(host);
    } catch {
      targets = [];
    }
    if (targets.length === 0) throw new WebhookUrlError(`${host} does not resolve to any address`);
  }
  if (!policy.allowPrivate)
    for (const t of targets) {
      const problem = addressProblem(t.address);
      if (problem && !allowedByList(host, t.address, policy.allowedHosts))
        throw new WebhookUrlError(
          `${host === t.address ? host : `${host} resolves to ${t.address}, which`} is ${problem}: webhooks may only reach public addresses (the server's WEBHOOK_ALLOW_PRIVATE or WEBHOOK_ALLOWED_HOSTS can allow a receiver inside your network)`,
        );
    }
  return targets[0]!;
}
