/** The worker's persisted items (chrome.storage.local, closed to content scripts). */
import { decodeArray, isObject, isString } from '../decode.ts';
import type { ExtErrorCode } from '../errors.ts';
import { defineItem, type StorageAreaLike, type StorageItem } from '../storage.ts';
import { type AccessSummary, decodeSummary } from '../summary.ts';
import type { Account, Membership } from './api.ts';

/** The signed-in session. */
export interface Session {
  /** Server base URL, no trailing slash (e.g. `https://gatehouse.corp.com`). */
  readonly serverUrl: string;
  /** Opaque bearer token from `POST /api/login` or pasted by the user. */
  readonly token: string;
  readonly account: Account;
  /** The memberships `/api/me` listed at the last refresh, in the server's order. */
  readonly workspaces: readonly Membership[];
}

/** The last summary of one workspace, kept for offline use. */
export interface CachedSummary {
  readonly summary: AccessSummary;
  /** The server's ETag for `summary`, sent back as If-None-Match. */
  readonly etag: string | null;
  /** When the server last confirmed `summary` (ms since epoch). */
  readonly fetchedAt: number;
  /** The last refresh failed: the server was unreachable or the session ended. */
  readonly stale: boolean;
  readonly staleReason: ExtErrorCode | null;
}

/** Per-app panel state: `panelKey` → collapsed. */
export type PanelPrefs = Readonly<Record<string, boolean>>;

function decodeSession(v: unknown): Session | null {
  if (!isObject(v) || !isString(v.serverUrl) || !isString(v.token) || !isObject(v.account)) return null;
  const { email, name } = v.account;
  const workspaces = decodeArray(v.workspaces, (m) =>
    isObject(m) && isString(m.slug) && isString(m.name) && isString(m.role) && isString(m.status)
      ? { slug: m.slug, name: m.name, role: m.role, status: m.status }
      : null,
  );
  if (!isString(email) || !isString(name) || !workspaces) return null;
  return { serverUrl: v.serverUrl, token: v.token, account: { email, name }, workspaces };
}

function decodeCached(v: unknown): CachedSummary | null {
  if (!isObject(v) || typeof v.fetchedAt !== 'number') return null;
  const summary = decodeSummary(v.summary);
  if (!summary) return null;
  return {
    summary,
    etag: isString(v.etag) ? v.etag : null,
    fetchedAt: v.fetchedAt,
    stale: v.stale === true,
    staleReason: isString(v.staleReason) ? (v.staleReason as ExtErrorCode) : null,
  };
}

function decodePrefs(v: unknown): PanelPrefs | null {
  if (!isObject(v)) return null;
  const out: Record<string, boolean> = {};
  for (const [k, c] of Object.entries(v)) if (typeof c === 'boolean') out[k] = c;
  return out;
}

export function createItems(area: StorageAreaLike) {
  return {
    session: defineItem<Session | null>(area, 'session', 1, decodeSession, null),
    /** The server URL last signed in to, prefilled in the popup after sign-out. */
    lastServerUrl: defineItem<string | null>(area, 'lastServerUrl', 1, (v) => (isString(v) ? v : null), null),
    summary: (workspace: string): StorageItem<CachedSummary | null> =>
      defineItem(area, `summary:${workspace}`, 1, decodeCached, null),
    panelPrefs: defineItem<PanelPrefs>(area, 'panelPrefs', 1, decodePrefs, {}),
  };
}

export type Items = ReturnType<typeof createItems>;
