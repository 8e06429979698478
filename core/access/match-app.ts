/**
 * Which app a URL belongs to. Patterns are parsed by rules/url-pattern-syntax.ts (the one parser, also
 * behind the extension's host permissions). `matchApp` picks the most specific matching pattern (most
 * literal characters), then the older app, then the smaller id, indexed by host once per state or list.
 */

import type { App, WorkspaceState } from '../model.ts';
import { MAX_WILDCARDS } from '../rules/limits.ts';
import { parsePattern } from '../rules/url-pattern-syntax.ts';

export { validateUrlPattern } from '../rules/url-pattern-syntax.ts';

/** What matching reads of an app: an `App`, or an app of an access summary. */
export type MatchableApp = Pick<App, 'id' | 'urlPatterns' | 'createdAt' | 'deletedAt'>;

interface Compiled<A extends MatchableApp> {
  readonly app: A;
  readonly scheme: string;
  readonly host: string;
  readonly wildcardHost: boolean;
  /** The path pattern split at `*`: literal pieces matched in order, in linear time (no regex). */
  readonly path: readonly string[];
  readonly specificity: number;
}

const URL_RE = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?([^/?#:]*)(:\d+)?([^#]*)/i;

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

function compile<A extends MatchableApp>(app: A, pattern: string): Compiled<A> | null {
  const p = parsePattern(pattern);
  if (!p) return null;
  const wildcardHost = p.host.startsWith('*');
  if (p.path.split('*').length - 1 > MAX_WILDCARDS) return null;
  return {
    app,
    scheme: p.scheme,
    host: (wildcardHost ? p.host.slice(1) : p.host) + p.port,
    wildcardHost,
    path: p.path.split('*'),
    specificity: pattern.replace(/\*/g, '').length,
  };
}

/**
 * The host permission patterns (`scheme://host/*`, Chrome's match-pattern syntax) that cover URL
 * patterns: the port is dropped (a match pattern without a port matches every port), a wildcard host
 * stays, patterns that are not valid are skipped.
 */
export function originPatterns(urlPatterns: readonly string[]): string[] {
  const out = new Set<string>();
  for (const pattern of urlPatterns) {
    const p = parsePattern(pattern);
    if (p) out.add(`${p.scheme}://${p.host}/*`);
  }
  return [...out];
}

interface MatchIndex<A extends MatchableApp> {
  readonly byHost: Map<string, Compiled<A>[]>;
  readonly wildcard: Compiled<A>[];
}

/** Per state, or per list of apps (a summary's `apps`): built once, on the first match. */
const cache = new WeakMap<object, MatchIndex<MatchableApp>>();

function buildIndex<A extends MatchableApp>(apps: Iterable<A>): MatchIndex<A> {
  const idx: MatchIndex<A> = { byHost: new Map(), wildcard: [] };
  for (const app of apps) {
    if (app.deletedAt !== undefined) continue;
    for (const p of app.urlPatterns) {
      const c = compile(app, p);
      if (!c) continue;
      if (c.wildcardHost) idx.wildcard.push(c);
      else {
        const list = idx.byHost.get(c.host);
        if (list) list.push(c);
        else idx.byHost.set(c.host, [c]);
      }
    }
  }
  return idx;
}

const isState = (s: WorkspaceState | Iterable<MatchableApp>): s is WorkspaceState => !(Symbol.iterator in s);

function index(source: WorkspaceState | Iterable<MatchableApp>): MatchIndex<MatchableApp> {
  // A state or an array is the same value next time (cached); any other iterable is read once.
  if (!isState(source) && !Array.isArray(source)) return buildIndex(source);
  let idx = cache.get(source);
  if (!idx) cache.set(source, (idx = buildIndex(isState(source) ? source.apps.values() : source)));
  return idx;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: ':80', https: ':443' };

/**
 * The app a URL belongs to, or null: the most specific matching pattern; equal patterns on two apps (a
 * merge) go to the older app, then the smaller id. Over a state, or over any list of apps (the extension
 * matches over a summary's apps with the same rule); deleted apps never match.
 */
export function matchApp(state: WorkspaceState, url: string): App | null;
export function matchApp<A extends MatchableApp>(apps: Iterable<A>, url: string): A | null;
export function matchApp(source: WorkspaceState | Iterable<MatchableApp>, url: string): MatchableApp | null {
  if (typeof url !== 'string' || url.length > 4096) return null;
  const m = URL_RE.exec(url);
  if (!m) return null;
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const hostname = (m[2] ?? '').toLowerCase();
  const port = m[3] && m[3] !== DEFAULT_PORTS[scheme] ? m[3] : '';
  const path = m[4] || '/';
  const host = hostname + port;
  const idx = index(source);
  let best: Compiled<MatchableApp> | null = null;
  const consider = (c: Compiled<MatchableApp>) => {
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
  return (best as Compiled<MatchableApp> | null)?.app ?? null;
}
