/** The worker's persisted items (chrome.storage.local, closed to content scripts). */

import { expandSummary } from '../../core/access/catalog-expand.ts';
import { decodeArray, isObject, isString } from '../decode.ts';
import type { ExtErrorCode } from '../errors.ts';
import { defineItem, type StorageAreaLike, type StorageItem } from '../storage.ts';
import { type AccessSummary, decodeCatalog, decodeUserSummary } from '../summary.ts';
import type { Account, HeldAccess, Membership } from './api.ts';

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

/** The last access of one workspace, kept for offline use. */
export interface CachedSummary {
  /** What the server sent: the user's summary over the catalog, with both ETags (If-None-Match). */
  readonly held: HeldAccess;
  /** `held` joined (core's `expandSummary`): every app and data source with the user's access. */
  readonly summary: AccessSummary;
  /** The server's ETag for the summary, sent back as If-None-Match. */
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

/** What is stored: the summary and catalog as the server sent them (the joined form is rebuilt). */
type StoredSummary = Omit<CachedSummary, 'summary'>;

/** A cached entry from what the server sent (the one place the joined form is made). */
export function cachedSummary(entry: StoredSummary): CachedSummary {
  return { ...entry, summary: expandSummary(entry.held.catalog, entry.held.summary) };
}

function stored({ summary: _joined, ...rest }: CachedSummary): StoredSummary {
  return rest;
}

function decodeHeld(v: unknown): HeldAccess | null {
  if (!isObject(v) || !isString(v.catalogEtag)) return null;
  const summary = decodeUserSummary(v.summary);
  const catalog = decodeCatalog(v.catalog);
  if (!summary || !catalog || v.catalogEtag !== `"${summary.catalog}"`) return null;
  return { summary, etag: isString(v.etag) ? v.etag : null, catalog, catalogEtag: v.catalogEtag };
}

function decodeCached(v: unknown): CachedSummary | null {
  if (!isObject(v) || typeof v.fetchedAt !== 'number') return null;
  const held = decodeHeld(v.held);
  if (!held) return null;
  return cachedSummary({
    held,
    etag: held.etag,
    fetchedAt: v.fetchedAt,
    stale: v.stale === true,
    staleReason: isString(v.staleReason) ? (v.staleReason as ExtErrorCode) : null,
  });
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
    /** Version 2: the split summary (catalog + summary); a version-1 entry reads as none and is refetched. */
    summary: (workspace: string): StorageItem<CachedSummary | null> => {
      const item = defineItem<StoredSummary | null>(area, `summary:${workspace}`, 2, decodeCached, null);
      return {
        key: item.key,
        get: () => item.get() as Promise<CachedSummary | null>,
        // The joined form is left out: it is rebuilt on read.
        set: (entry) => item.set(entry && stored(entry)),
        remove: () => item.remove(),
      };
    },
    panelPrefs: defineItem<PanelPrefs>(area, 'panelPrefs', 1, decodePrefs, {}),
  };
}

export type Items = ReturnType<typeof createItems>;
