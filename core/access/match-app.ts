/**
 * App URL patterns: `scheme://host[:port]/path`, where the scheme may be `*` (http or https), the host may
 * start with `*.` (any subdomain) and the path may hold `*` anywhere. `matchApp` picks the most specific
 * matching pattern (most literal characters), indexed by host once per state.
 */

import { MAX_URL_PATTERN } from '../doc/schema.ts';
import { fail, ok, type Result } from '../errors.ts';
import type { App, WorkspaceState } from '../model.ts';

interface Compiled {
  readonly app: App;
  readonly scheme: string;
  readonly host: string;
  readonly wildcardHost: boolean;
  /** The path pattern split at `*`: literal pieces matched in order, in linear time (no regex). */
  readonly path: readonly string[];
  readonly specificity: number;
}

const PATTERN = /^(\*|https?):\/\/((?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)(:\d{1,5})?(\/[^\s#]*)$/;
/** More wildcards than this add nothing real and only cost matching time. */
export const MAX_WILDCARDS = 8;
const URL_RE = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?([^/?#:]*)(:\d+)?([^#]*)/i;

/** Checks a pattern; returns it normalized (lower-case scheme and host). */
export function validateUrlPattern(input: string): Result<string> {
  const p = input.trim();
  const [, scheme = '', rest = ''] = /^([^:]*):\/\/(.*)$/.exec(p) ?? [];
  const hostEnd = rest.search(/[/]/);
  const normalized =
    hostEnd < 0
      ? ''
      : `${scheme.toLowerCase()}://${rest.slice(0, hostEnd).toLowerCase()}${rest.slice(hostEnd)}`;
  const wildcards = normalized.split('*').length - 1;
  if (p.length === 0 || p.length > MAX_URL_PATTERN || !PATTERN.test(normalized) || wildcards > MAX_WILDCARDS)
    return fail(
      'invalid-url-pattern',
      `“${p.slice(0, 80)}” is not a URL pattern. Use e.g. https://hr.corp.com/* or https://*.corp.com/hr/*`,
    );
  return ok(normalized);
}

/** Glob match where `*` matches any run of characters: prefix, suffix, then the middle pieces leftmost-first. */
export function globMatch(pieces: readonly string[], text: string): boolean {
  if (pieces.length === 1) return text === pieces[0];
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last))
    return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

function compile(app: App, pattern: string): Compiled | null {
  const m = PATTERN.exec(pattern);
  if (!m) return null;
  const [, scheme = '*', host = '', port = '', path = '/'] = m;
  const wildcardHost = host.startsWith('*');
  if (path.split('*').length - 1 > MAX_WILDCARDS) return null;
  return {
    app,
    scheme,
    host: (wildcardHost ? host.slice(1) : host) + port,
    wildcardHost,
    path: path.split('*'),
    specificity: pattern.replace(/\*/g, '').length,
  };
}

interface MatchIndex {
  readonly byHost: Map<string, Compiled[]>;
  readonly wildcard: Compiled[];
}

const cache = new WeakMap<WorkspaceState, MatchIndex>();

function index(state: WorkspaceState): MatchIndex {
  let idx = cache.get(state);
  if (idx) return idx;
  idx = { byHost: new Map(), wildcard: [] };
  for (const app of state.apps.values()) {
    if (app.deletedAt !== undefined) continue;
    for (const p of app.urlPatterns) {
      const c = compile(
        app,
        p.replace(/^([^:]*:\/\/[^/]*)/, (h) => h.toLowerCase()),
      );
      if (!c) continue;
      if (c.wildcardHost) idx.wildcard.push(c);
      else {
        const list = idx.byHost.get(c.host);
        if (list) list.push(c);
        else idx.byHost.set(c.host, [c]);
      }
    }
  }
  cache.set(state, idx);
  return idx;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: ':80', https: ':443' };

/** The app a URL belongs to, or null. */
export function matchApp(state: WorkspaceState, url: string): App | null {
  if (typeof url !== 'string' || url.length > 4096) return null;
  const m = URL_RE.exec(url);
  if (!m) return null;
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const hostname = (m[2] ?? '').toLowerCase();
  const port = m[3] && m[3] !== DEFAULT_PORTS[scheme] ? m[3] : '';
  const path = m[4] || '/';
  const host = hostname + port;
  const idx = index(state);
  let best: Compiled | null = null;
  const consider = (c: Compiled) => {
    if (c.scheme !== '*' && c.scheme !== scheme) return;
    if (!globMatch(c.path, path)) return;
    // Equal patterns on two apps (a merge): the older app wins, on every replica alike.
    if (
      !best ||
      c.specificity > best.specificity ||
      (c.specificity === best.specificity &&
        (c.app.createdAt < best.app.createdAt ||
          (c.app.createdAt === best.app.createdAt && c.app.id < best.app.id)))
    )
      best = c;
  };
  for (const c of idx.byHost.get(host) ?? []) consider(c);
  for (const c of idx.wildcard) if (host.endsWith(c.host) && host.length > c.host.length) consider(c);
  return (best as Compiled | null)?.app ?? null;
}
