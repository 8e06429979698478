/**
 * The caller's access summary as served by `/access` and `/access/events`, cached per state object and
 * user, with an ETag that changes only when the summary does (not with unrelated doc changes).
 */
import { createHash } from 'node:crypto';
import { explain, matchApp, summarize, type WorkspaceState } from '../../core/index.ts';

export interface AccessView {
  readonly json: string;
  readonly etag: string;
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
  const json = JSON.stringify(body);
  const etag = `"${createHash('sha1').update(json).digest('base64url')}"`;
  const view = { json, etag };
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
