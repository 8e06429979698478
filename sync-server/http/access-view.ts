/**
 * The caller's access summary as served by `/access` and `/access/events`, cached per state and user
 * (bounded by bytes), with an ETag that changes only when the summary does (not with unrelated doc changes).
 */
import { createHash } from 'node:crypto';
import { constants, gzipSync } from 'node:zlib';
import { explain, matchApp, summarize, type WorkspaceState } from '../../core/index.ts';

export interface AccessView {
  readonly json: string;
  readonly etag: string;
  /** The JSON as bytes, encoded once. */
  readonly body: Buffer;
  /** The body gzipped, made on the first request that accepts gzip and kept with the view. */
  gzipped(): Buffer;
}

function makeView(json: string): AccessView {
  const body = Buffer.from(json, 'utf8');
  let gz: Buffer | null = null;
  return {
    json,
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    body,
    gzipped: () => {
      gz ??= gzipSync(body, { level: 6, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
      return gz;
    },
  };
}

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
  /** The summary's apps, for the `match` part of `?url=` views. */
  readonly apps: readonly { readonly id: string }[];
}

/** Default bound of one server's cache. */
export const ACCESS_VIEW_CACHE_BYTES = 64 * 1024 * 1024; // 64 MiB

/**
 * Base views (no `?url=`) cached per state and user, least recently used first out, bounded by bytes
 * (JSON plus gzip once made). The `match` part of a `?url=` view is computed per request and spliced
 * into the cached base JSON: distinct URLs never grow the cache. One per server (its context).
 */
export class AccessViewCache {
  private readonly cache = new Map<string, Entry>();
  private cacheBytes = 0;
  private readonly stateIds = new WeakMap<WorkspaceState, number>();
  private nextStateId = 1;

  constructor(private maxBytes = ACCESS_VIEW_CACHE_BYTES) {}

  /** The caller's view; null when `userId` is not a user of `state`. */
  view(state: WorkspaceState, userId: string, url: string | null): AccessView | null {
    const base = this.baseView(state, userId);
    if (!base || url === null) return base?.view ?? null;
    const app = matchApp(state, url);
    let match: unknown = { app: null, explanation: null };
    if (app) {
      match = {
        app: base.apps.find((a) => a.id === app.id) ?? null,
        explanation: explain(state, userId, { type: 'app', id: app.id }),
      };
    }
    // The base JSON is an object: add `url` and `match` as its last members (same bytes as stringifying
    // `{ ...base, url, match }`).
    return makeView(
      `${base.view.json.slice(0, -1)},"url":${JSON.stringify(url)},"match":${JSON.stringify(match)}}`,
    );
  }

  /** For tests and diagnostics. */
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
  private cachedView(json: string, key: string, apps: Entry['apps']): Entry {
    const view = makeView(json);
    const entry: Entry = { view, bytes: view.body.length, apps };
    const gzipped = view.gzipped;
    const counted: AccessView = {
      ...view,
      gzipped: () => {
        const known = entry.bytes > view.body.length;
        const gz = gzipped();
        if (!known && this.cache.get(key) === entry) {
          entry.bytes += gz.length;
          this.cacheBytes += gz.length;
          this.evict();
        }
        return gz;
      },
    };
    entry.view = counted;
    if (entry.bytes <= this.maxBytes) {
      this.cache.set(key, entry);
      this.cacheBytes += entry.bytes;
      this.evict();
    }
    return entry;
  }

  private baseView(state: WorkspaceState, userId: string): Entry | null {
    const key = `${this.stateId(state)}\u0000${userId}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit); // most recently used
      return hit;
    }
    const summary = summarize(state, userId);
    if (!summary) return null;
    const { version: _version, ...stable } = summary;
    return this.cachedView(JSON.stringify(stable), key, summary.apps);
  }
}

export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === etag || v === '*';
  });
}
