/**
 * The Gatehouse REST API as the worker uses it: sign-in, `/me`, the access (the user's summary and the
 * workspace's catalog it refers to, each with ETag), and the `/access/events` stream. Every call answers
 * a result; a network failure is `unreachable`.
 */
import { decodeArray, decodeKnown, isObject, isString } from '../decode.ts';
import { ERROR_TEXT, type ExtErrorCode, type ExtResult, extFail, extOk } from '../errors.ts';
import { type AccessCatalog, decodeCatalog, decodeUserSummary, type UserSummary } from '../summary.ts';

export const REQUEST_TIMEOUT_MS = 8_000;

export interface Account {
  readonly email: string;
  readonly name: string;
}

export interface Membership {
  readonly slug: string;
  readonly name: string;
  readonly role: string;
  readonly status: string;
}

export interface Me {
  readonly account: Account;
  readonly workspaces: readonly Membership[];
}

/** A summary and the catalog it was made over, with their ETags. */
export interface HeldAccess {
  readonly summary: UserSummary;
  readonly etag: string | null;
  readonly catalog: AccessCatalog;
  readonly catalogEtag: string;
}

/** One of the person's access requests, as the panel shows it (from `…/requests/mine`). */
export interface RequestState {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly status: 'open' | 'approved' | 'denied' | 'cancelled';
  /** In words: "Waiting for an admin: View via “CRM viewers”", "Denied by Ada: …". */
  readonly text: string;
  readonly createdAt: number;
}

const STATUSES = new Set(['open', 'approved', 'denied', 'cancelled']);

function decodeRequest(v: unknown): RequestState | null {
  if (!isObject(v) || !isObject(v.resource) || !isString(v.status) || !STATUSES.has(v.status)) return null;
  const { type, id } = v.resource;
  if (!isString(type) || !isString(id) || !isString(v.text) || typeof v.createdAt !== 'number') return null;
  return {
    resourceType: type,
    resourceId: id,
    status: v.status as RequestState['status'],
    text: v.text,
    createdAt: v.createdAt,
  };
}

/**
 * A `…/requests/mine` body: the newest 1,000 requests this build can read (one in a state it does not
 * know, from a newer server, is left out rather than failing the panel's whole list); null: not such a body.
 */
export function decodeMyRequests(body: unknown): RequestState[] | null {
  return isObject(body) ? decodeKnown(body.requests, decodeRequest, 1_000) : null;
}

export type AccessAnswer =
  | { readonly changed: true; readonly access: HeldAccess }
  | { readonly changed: false };

/** A summary names its catalog by id: the catalog's ETag without quotes. */
const catalogEtagOf = (summary: UserSummary) => `"${summary.catalog}"`;

function decodeAccount(v: unknown): Account | null {
  if (!isObject(v) || !isString(v.email)) return null;
  return { email: v.email, name: isString(v.name) ? v.name : v.email };
}

function decodeMembership(v: unknown): Membership | null {
  if (!isObject(v) || !isString(v.slug) || !isString(v.name)) return null;
  return {
    slug: v.slug,
    name: v.name,
    role: isString(v.role) ? v.role : '',
    status: isString(v.status) ? v.status : '',
  };
}

function statusError(status: number, unauthorized: ExtErrorCode): ExtErrorCode {
  if (status === 401) return unauthorized;
  if (status === 403 || status === 404) return 'no-access';
  if (status === 429) return 'rate-limited';
  return 'server-error';
}

export function createApi(serverUrl: string, token: string | null = null) {
  async function call(path: string, init: RequestInit = {}): Promise<Response | null> {
    const headers = new Headers(init.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    try {
      return await fetch(`${serverUrl}${path}`, {
        ...init,
        headers,
        credentials: 'omit',
        cache: 'no-store',
        signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      return null;
    }
  }

  async function json(res: Response): Promise<unknown> {
    try {
      return await res.json();
    } catch {
      return null;
    }
  }

  return {
    async login(email: string, password: string): Promise<ExtResult<{ token: string; account: Account }>> {
      const res = await call('/api/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (!res) return extFail('unreachable');
      if (res.status === 400 || res.status === 401 || res.status === 403) return extFail('wrong-password');
      if (!res.ok) return extFail(statusError(res.status, 'wrong-password'));
      const body = await json(res);
      const account = isObject(body) ? decodeAccount(body.account) : null;
      if (!isObject(body) || !isString(body.token) || !account) return extFail('bad-response');
      return extOk({ token: body.token, account });
    },

    /**
     * Asks for access to an app from the panel (issue 16): the server picks the smallest group and checks
     * the rules; the answer says what was asked through which group and what it would mean, or why not.
     */
    async requestAccess(
      workspace: string,
      r: { appId: string; level: 'view' | 'edit'; reason: string; duration: '1d' | '7d' | '30d' | null },
    ): Promise<ExtResult<string>> {
      const res = await call(`/api/workspaces/${encodeURIComponent(workspace)}/requests`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          resourceType: 'app',
          resourceId: r.appId,
          level: r.level,
          reason: r.reason,
          duration: r.duration,
        }),
      });
      if (!res) return extFail('unreachable');
      if (res.status === 401) return extFail('signed-out');
      const body = await json(res);
      const error =
        isObject(body) && isObject(body.error) && isString(body.error.message) ? body.error.message : null;
      if (!res.ok) return extFail('request-refused', error ?? ERROR_TEXT['request-refused']);
      const option = isObject(body) && isObject(body.option) ? body.option : null;
      if (!option || !isString(option.groupName)) return extFail('bad-response');
      const meaning = isString(option.meaning) ? ` ${option.meaning}.` : '';
      return extOk(`Requested through “${option.groupName}”: an admin will answer.${meaning}`);
    },

    /** The person's own requests, newest first. */
    async myRequests(workspace: string): Promise<ExtResult<RequestState[]>> {
      const res = await call(`/api/workspaces/${encodeURIComponent(workspace)}/requests/mine`);
      if (!res) return extFail('unreachable');
      if (!res.ok) return extFail(statusError(res.status, 'signed-out'));
      const body = await json(res);
      const list = decodeMyRequests(body);
      return list ? extOk(list) : extFail('bad-response');
    },

    async logout(): Promise<void> {
      await call('/api/logout', { method: 'POST', signal: AbortSignal.timeout(2_000) });
    },

    async me(): Promise<ExtResult<Me>> {
      const res = await call('/api/me');
      if (!res) return extFail('unreachable');
      if (!res.ok) return extFail(statusError(res.status, 'signed-out'));
      const body = await json(res);
      const account = isObject(body) ? decodeAccount(body.account) : null;
      const workspaces = isObject(body) ? decodeArray(body.workspaces, decodeMembership) : null;
      if (!account || !workspaces) return extFail('bad-response');
      return extOk({ account, workspaces });
    },

    /**
     * The summary (If-None-Match: the held one's ETag), and the catalog it names when that is not the
     * held one (If-None-Match too; the catalog is the same for every member and changes rarely). A
     * catalog that changed between the two requests means one more round; `changed: false` on a 304.
     */
    async access(workspace: string, held: HeldAccess | null): Promise<ExtResult<AccessAnswer>> {
      const base = `/api/workspaces/${encodeURIComponent(workspace)}/access`;
      for (let round = 0; round < 3; round++) {
        const etag = round === 0 ? held?.etag : null;
        const res = await call(base, etag ? { headers: { 'If-None-Match': etag } } : {});
        if (!res) return extFail('unreachable');
        if (res.status === 304 && held) return extOk({ changed: false });
        if (!res.ok) return extFail(statusError(res.status, 'signed-out'));
        const summary = decodeUserSummary(await json(res));
        if (!summary) return extFail('bad-response');
        const answer = (catalog: AccessCatalog) =>
          extOk<AccessAnswer>({
            changed: true,
            access: { summary, etag: res.headers.get('ETag'), catalog, catalogEtag: catalogEtagOf(summary) },
          });
        if (held && held.catalogEtag === catalogEtagOf(summary)) return answer(held.catalog);
        const cat = await call(
          `${base}/catalog`,
          held ? { headers: { 'If-None-Match': held.catalogEtag } } : {},
        );
        if (!cat) return extFail('unreachable');
        if (cat.status === 304) continue; // the held catalog is current: the summary was older, ask again
        if (!cat.ok) return extFail(statusError(cat.status, 'signed-out'));
        const catalog = decodeCatalog(await json(cat));
        if (!catalog) return extFail('bad-response');
        if (cat.headers.get('ETag') === catalogEtagOf(summary)) return answer(catalog);
      }
      return extFail('server-error');
    },

    /**
     * Opens the workspace's event stream; `onOpen` runs once the server has answered, then `onEvent`
     * for every event. Resolves when the stream ends or fails (the caller decides whether to retry).
     */
    async events(
      workspace: string,
      signal: AbortSignal,
      onOpen: () => void,
      onEvent: () => void,
    ): Promise<void> {
      const local = new AbortController();
      const abort = () => local.abort();
      signal.addEventListener('abort', abort);
      const connectTimer = setTimeout(abort, REQUEST_TIMEOUT_MS);
      const res = await call(`/api/workspaces/${encodeURIComponent(workspace)}/access/events`, {
        headers: { Accept: 'text/event-stream' },
        signal: local.signal,
      });
      clearTimeout(connectTimer);
      if (!res?.ok || !res.body || !res.headers.get('Content-Type')?.includes('text/event-stream')) {
        signal.removeEventListener('abort', abort);
        local.abort();
        return;
      }
      onOpen();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buffer += value;
          // An event ends at a blank line; comment lines (":" keep-alives) carry no event.
          let end = buffer.search(/\r?\n\r?\n/);
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            if (block.split(/\r?\n/).some((line) => line !== '' && !line.startsWith(':'))) onEvent();
            end = buffer.search(/\r?\n\r?\n/);
          }
        }
      } catch {
        return;
      } finally {
        signal.removeEventListener('abort', abort);
        local.abort();
      }
    },
  };
}

export type Api = ReturnType<typeof createApi>;
