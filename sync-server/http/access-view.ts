/**
 * The caller's access summary as served by `/access` and `/access/events`, cached per state object and
 * user, with an ETag that changes only when the summary does (not with unrelated doc changes).
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

const cache = new WeakMap<WorkspaceState, Map<string, AccessView>>();
const MAX_PER_STATE = 5_000;

export function accessView(state: WorkspaceState, userId: string, url: string | null): AccessView | null {
  const key = url === null ? userId : `${userId}\u0000${url}`;
  let perState = cache.get(state);
  const hit = perState?.get(key);
  if (hit) return hit;
  const summary = summarize(state, userId);
  if (!summary) return null;
  let match: unknown;
  if (url !== null) {
    const app = matchApp(state, url);
    match = app
      ? {
          app: summary.apps.find((a) => a.id === app.id) ?? null,
          explanation: explain(state, userId, { type: 'app', id: app.id }),
        }
      : { app: null, explanation: null };
  }
  const { version: _version, ...stable } = summary;
  const body = url === null ? stable : { ...stable, url, match };
  const view = makeView(JSON.stringify(body));
  if (!perState) cache.set(state, (perState = new Map()));
  if (perState.size < MAX_PER_STATE) perState.set(key, view);
  return view;
}

export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === etag || v === '*';
  });
}
