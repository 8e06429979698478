/**
 * What `/access`, `/access/catalog` and `/access/events` serve, serialized once and kept:
 * - the workspace's catalog (core `buildCatalog`), one per catalog version — the same bytes for every
 *   member and every state whose apps, data sources and name are unchanged (a membership edit keeps it);
 * - each user's summary over it (core `summarizeUser`, a few KiB), per state and user, bounded by bytes.
 * ETags are hashes of the bytes, so they change only when what the caller would read does. A request is a
 * lookup; the JSON, its ETag and its gzip are made on the first request that needs them.
 */
import { createHash } from 'node:crypto';
import { constants, gzipSync } from 'node:zlib';
import {
  type AccessCatalog,
  accessFor,
  buildCatalog,
  explain,
  matchApp,
  summarizeUser,
  type WorkspaceState,
} from '../../core/index.ts';

export interface AccessView {
  readonly json: string;
  readonly etag: string;
  /** The JSON as bytes, encoded once. */
  readonly body: Buffer;
  /** The body gzipped, made on the first request that accepts gzip and kept with the view. */
  gzipped(): Buffer;
}

/** What a cached entry costs besides its JSON string and bytes (measured: ~0.3–0.5 KiB on Node 20 and 24). */
const ENTRY_OVERHEAD_BYTES = 512;

const hash = (body: Buffer) => createHash('sha1').update(body).digest('base64url');

function makeView(json: string, id?: string): AccessView {
  // Its own memory, not a slice of Buffer's shared 8 KiB pool (a cached small view would keep a slab).
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(json, 'utf8'));
  body.write(json, 'utf8');
  let gz: Buffer | null = null;
  return {
    json,
    etag: `"${id ?? hash(body)}"`,
    body,
    gzipped: () => {
      if (!gz) {
        const out = gzipSync(body, { level: 6, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
        // zlib's output is a view of a 16 KiB chunk: keep only its bytes (a cached view holds it long).
        gz = Buffer.allocUnsafeSlow(out.length);
        out.copy(gz);
      }
      return gz;
    },
  };
}

/** The catalog's id: its ETag without quotes, named by every summary made over it. */
export const catalogId = (view: AccessView): string => view.etag.slice(1, -1);

/** True when `Accept-Encoding` allows gzip (a `q=0` refuses it). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || header.length === 0) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

interface Entry {
  view: AccessView;
  bytes: number;
}

/** Default bound of one server's cache of summaries. */
export const ACCESS_VIEW_CACHE_BYTES = 64 * 1024 * 1024; // 64 MiB

/**
 * Summaries (no `?url=`) cached per state and user, least recently used first out, bounded by bytes
 * (the JSON string and its bytes, plus gzip once made); catalogs kept with their catalog object
 * (collected with it). The `match` part of a `?url=` view is computed per request and spliced into the
 * cached JSON: distinct URLs never grow the cache. One per server (its context).
 */
export class AccessViewCache {
  private readonly cache = new Map<string, Entry>();
  private cacheBytes = 0;
  private readonly stateIds = new WeakMap<WorkspaceState, number>();
  private readonly catalogs = new WeakMap<AccessCatalog, AccessView>();
  private nextStateId = 1;

  constructor(private maxBytes = ACCESS_VIEW_CACHE_BYTES) {}

  /** The workspace's catalog. */
  catalog(state: WorkspaceState): AccessView {
    const catalog = buildCatalog(state);
    let view = this.catalogs.get(catalog);
    if (!view) this.catalogs.set(catalog, (view = makeView(JSON.stringify(catalog))));
    return view;
  }

  /** The caller's summary; null when `userId` is not a user of `state`. */
  view(state: WorkspaceState, userId: string, url: string | null): AccessView | null {
    const base = this.baseView(state, userId);
    if (!base || url === null) return base;
    const app = matchApp(state, url);
    let match: unknown = { app: null, explanation: null };
    if (app) {
      const a = accessFor(state, userId)!.app(app.id);
      const { id, name, slug, urlPatterns, createdAt } = app;
      match = {
        app: { id, name, slug, urlPatterns, createdAt, level: a.level, hidden: a.hidden, via: a.via },
        explanation: ownExplanation(state, userId, app.id),
      };
    }
    // The base JSON is an object: add `url` and `match` as its last members (same bytes as stringifying
    // `{ ...base, url, match }`).
    return makeView(
      `${base.json.slice(0, -1)},"url":${JSON.stringify(url)},"match":${JSON.stringify(match)}}`,
    );
  }

  /** For tests and diagnostics: the cached summaries. */
  stats(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cacheBytes };
  }

  setMaxBytes(bytes: number): void {
    this.maxBytes = bytes;
    this.evict();
  }

  clear(): void {
    this.cache.clear();
    this.cacheBytes = 0;
  }

  private stateId(state: WorkspaceState): number {
    let id = this.stateIds.get(state);
    if (id === undefined) this.stateIds.set(state, (id = this.nextStateId++));
    return id;
  }

  private evict(): void {
    for (const [key, entry] of this.cache) {
      if (this.cacheBytes <= this.maxBytes) return;
      this.cache.delete(key);
      this.cacheBytes -= entry.bytes;
    }
  }

  /** Counts a view's gzip into the cache's bytes once it is made. */
  private cachedView(json: string, key: string): AccessView {
    const view = makeView(json);
    // The JSON string is kept too (events send it, `?url=` views splice it): its bytes count as well.
    // Plus what each entry costs besides (its key, the entry and view objects, their closures).
    const entry: Entry = { view, bytes: 2 * view.body.length + ENTRY_OVERHEAD_BYTES };
    const gzipped = view.gzipped;
    let gzipCounted = false;
    entry.view = {
      ...view,
      gzipped: () => {
        const gz = gzipped();
        if (!gzipCounted && this.cache.get(key) === entry) {
          gzipCounted = true;
          entry.bytes += gz.length;
          this.cacheBytes += gz.length;
          this.evict();
        }
        return gz;
      },
    };
    if (entry.bytes <= this.maxBytes) {
      this.cache.set(key, entry);
      this.cacheBytes += entry.bytes;
      this.evict();
    }
    return entry.view;
  }

  private baseView(state: WorkspaceState, userId: string): AccessView | null {
    const key = `${this.stateId(state)}\u0000${userId}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit); // most recently used
      return hit.view;
    }
    const summary = summarizeUser(state, userId, catalogId(this.catalog(state)));
    return summary && this.cachedView(JSON.stringify(summary), key);
  }
}

/**
 * Why the caller has (or lacks) an app, as they may read it: core's explanation without the suggestions
 * that name a custom group — those would tell an end-user the names of groups they are not in (admins
 * see them in the access matrix), and cost one access computation per group on every request (~50–200 ms
 * per call in the 10k-user workspace). The role suggestions stay.
 */
const ownExplanation = (state: WorkspaceState, userId: string, appId: string) =>
  explain(state, userId, { type: 'app', id: appId }, { groupSuggestions: false });

export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === etag || v === '*';
  });
}
