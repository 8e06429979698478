/**
 * The session and the cached summaries: the worker's single owner of both. Summaries are refreshed with
 * ETag; a failed refresh keeps the last summary and marks it stale (offline use). Listeners hear about
 * every change that a panel or the popup would show.
 */
import { type ExtResult, extFail, extOk } from '../errors.ts';
import type { SignIn } from '../messages.ts';
import { normalizeServerUrl } from '../server-url.ts';
import { type Api, createApi, type RequestState } from './api.ts';
import { type CachedSummary, cachedSummary, type Items, type Session } from './items.ts';
import { ssoToken } from './sso.ts';

export interface SummariesDeps {
  readonly items: Items;
  readonly createApi?: typeof createApi;
  readonly now?: () => number;
}

type Listener = (workspace: string | null) => void;

export function createSummaries({ items, createApi: makeApi = createApi, now = Date.now }: SummariesDeps) {
  let session: Session | null | undefined;
  const memory = new Map<string, CachedSummary | null>();
  const inflight = new Map<string, Promise<CachedSummary | null>>();
  const again = new Set<string>();
  const listeners = new Set<Listener>();
  /** The person's requests per workspace, as last read (kept in memory only: they follow the server). */
  const requests = new Map<string, readonly RequestState[]>();
  const requestsKey = (list: readonly RequestState[] | undefined) =>
    (list ?? []).map((r) => `${r.resourceType}:${r.resourceId}:${r.status}:${r.text}`).join('|');
  let lastFullRefreshAt = 0;

  const emit = (workspace: string | null) => {
    for (const l of listeners) l(workspace);
  };

  let loading: Promise<Session | null> | null = null;
  async function getSession(): Promise<Session | null> {
    if (session !== undefined) return session;
    loading ??= items.session.get();
    const loaded = await loading;
    if (session === undefined) session = loaded;
    return session;
  }

  async function setSession(next: Session | null): Promise<void> {
    session = next;
    if (next) await items.session.set(next);
    else await items.session.remove();
  }

  const reading = new Map<string, Promise<CachedSummary | null>>();
  async function cached(workspace: string): Promise<CachedSummary | null> {
    if (memory.has(workspace)) return memory.get(workspace) ?? null;
    let read = reading.get(workspace);
    if (!read) {
      read = items.summary(workspace).get();
      reading.set(workspace, read);
    }
    const entry = await read;
    reading.delete(workspace);
    if (!memory.has(workspace)) memory.set(workspace, entry);
    return memory.get(workspace) ?? null;
  }

  async function store(workspace: string, entry: CachedSummary | null): Promise<void> {
    memory.set(workspace, entry);
    if (entry) await items.summary(workspace).set(entry);
    else await items.summary(workspace).remove();
  }

  async function refreshOnce(workspace: string): Promise<CachedSummary | null> {
    const s = await getSession();
    if (!s) return null;
    const before = await cached(workspace);
    const api = makeApi(s.serverUrl, s.token);
    const [answer, asked] = await Promise.all([
      api.access(workspace, before?.held ?? null),
      api.myRequests(workspace),
    ]);
    if (session !== s) return cached(workspace); // signed out or in again meanwhile
    // A request made, decided or cancelled changes what the panel says, even when access did not change.
    let requestsChanged = false;
    if (asked.ok && requestsKey(asked.value) !== requestsKey(requests.get(workspace))) {
      requests.set(workspace, asked.value);
      requestsChanged = true;
    }
    let entry: CachedSummary | null;
    if (answer.ok && answer.value.changed) {
      const { access } = answer.value;
      entry = cachedSummary({
        held: access,
        etag: access.etag,
        fetchedAt: now(),
        stale: false,
        staleReason: null,
      });
    } else if (answer.ok) {
      entry = before && { ...before, fetchedAt: now(), stale: false, staleReason: null };
    } else {
      entry = before && { ...before, stale: true, staleReason: answer.error.code };
    }
    await store(workspace, entry);
    const changed = answer.ok
      ? answer.value.changed || before?.stale === true
      : before !== null && (!before.stale || before.staleReason !== answer.error.code);
    if (changed || requestsChanged) emit(workspace);
    return entry;
  }

  /** Refreshes one workspace; a call made while one runs triggers one more run after it. */
  function refresh(workspace: string): Promise<CachedSummary | null> {
    const running = inflight.get(workspace);
    if (running) {
      again.add(workspace);
      return running;
    }
    const run = (async () => {
      let entry = await refreshOnce(workspace);
      while (again.delete(workspace)) entry = await refreshOnce(workspace);
      return entry;
    })().finally(() => inflight.delete(workspace));
    inflight.set(workspace, run);
    return run;
  }

  /** Re-reads the memberships (`/api/me`), then every workspace's summary. */
  async function refreshAll(): Promise<ExtResult<Session>> {
    const s = await getSession();
    if (!s) return extFail('signed-out');
    lastFullRefreshAt = now();
    const me = await makeApi(s.serverUrl, s.token).me();
    if (!me.ok) {
      await Promise.all(s.workspaces.map((w) => refresh(w.slug)));
      return me;
    }
    const next: Session = { ...s, account: me.value.account, workspaces: me.value.workspaces };
    if (session !== s) return extFail('signed-out');
    await setSession(next);
    const kept = new Set(next.workspaces.map((w) => w.slug));
    for (const w of s.workspaces) if (!kept.has(w.slug)) await store(w.slug, null);
    await Promise.all(next.workspaces.map((w) => refresh(w.slug)));
    emit(null);
    return extOk(next);
  }

  async function signIn(input: SignIn): Promise<ExtResult<Session>> {
    const serverUrl = normalizeServerUrl(input.serverUrl);
    if (!serverUrl) return extFail('invalid-server-url');
    let token: string;
    if ('token' in input) {
      token = input.token.trim();
      if (!token) return extFail('invalid-token');
    } else if ('workspace' in input) {
      const sso = await ssoToken(serverUrl, input.workspace.trim());
      if (!sso.ok) return sso;
      token = sso.value;
    } else {
      const login = await makeApi(serverUrl).login(input.email.trim(), input.password);
      if (!login.ok) return login;
      token = login.value.token;
    }
    const me = await makeApi(serverUrl, token).me();
    if (!me.ok) return me.error.code === 'signed-out' ? extFail('invalid-token') : me;
    await signOut(false);
    await items.lastServerUrl.set(serverUrl);
    await setSession({ serverUrl, token, ...me.value });
    await refreshAll();
    return extOk((await getSession()) ?? { serverUrl, token, ...me.value });
  }

  /** Forgets the session and every cached summary; tells the server when asked to. */
  async function signOut(tellServer = true): Promise<void> {
    const s = await getSession();
    if (!s) return;
    await setSession(null);
    if (tellServer) await makeApi(s.serverUrl, s.token).logout();
    for (const w of s.workspaces) await store(w.slug, null);
    memory.clear();
    requests.clear();
    emit(null);
  }

  return {
    getSession,
    cached,
    refresh,
    refreshAll,
    signIn,
    signOut,
    /** The API with the session's token, or null when signed out. */
    async api(): Promise<Api | null> {
      const s = await getSession();
      return s ? makeApi(s.serverUrl, s.token) : null;
    },
    msSinceFullRefresh: () => now() - lastFullRefreshAt,
    /** The person's latest request for a resource of a workspace, if any was read. */
    latestRequest(workspace: string, resourceType: string, resourceId: string): RequestState | null {
      return (
        requests
          .get(workspace)
          ?.find((r) => r.resourceType === resourceType && r.resourceId === resourceId) ?? null
      );
    },
    onChange(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type Summaries = ReturnType<typeof createSummaries>;
