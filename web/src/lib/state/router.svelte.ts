/** A tiny history-API router: the current path as state, and `navigate`. */

class Router {
  path = $state(typeof location === 'undefined' ? '/' : location.pathname);
  search = $state(typeof location === 'undefined' ? '' : location.search);

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('popstate', () => this.sync());
    }
  }

  private sync() {
    this.path = location.pathname;
    this.search = location.search;
  }

  navigate(to: string, replace = false) {
    if (replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    this.sync();
    if (typeof window !== 'undefined') window.scrollTo?.(0, 0);
  }

  query(name: string): string | null {
    return new URLSearchParams(this.search).get(name);
  }
}

export const router = new Router();

export type Route =
  /** `ws`: the workspace's sign-in page (`/:ws/login`), with its SSO connections. */
  | { page: 'sign-in'; ws?: string }
  | { page: 'setup'; token: string }
  | { page: 'accept-invitation'; token: string }
  | { page: 'reset-password'; token: string }
  | { page: 'workspaces' }
  | { page: 'dashboard'; ws: string }
  /** `as`: an admin viewing My access as that user (read-only). */
  | { page: 'my-access'; ws: string; as?: string }
  | { page: 'groups'; ws: string }
  | { page: 'group'; ws: string; groupId: string; tab: string }
  | { page: 'users'; ws: string }
  | { page: 'apps'; ws: string }
  | { page: 'data-sources'; ws: string }
  | { page: 'access-matrix'; ws: string }
  | { page: 'history'; ws: string }
  | { page: 'conflicts'; ws: string }
  | { page: 'requests'; ws: string }
  | { page: 'check-access'; ws: string }
  | { page: 'decision-tokens'; ws: string }
  | { page: 'provisioning'; ws: string }
  | { page: 'single-sign-on'; ws: string }
  | { page: 'notifications'; ws: string }
  | { page: 'not-found' };

/** The Workspace settings pages besides Groups (each at `/:ws/workspace-settings/<page>`). */
export const SETTINGS_PAGES = [
  'users',
  'apps',
  'data-sources',
  'access-matrix',
  'history',
  'conflicts',
  'requests',
  'check-access',
  'decision-tokens',
  'provisioning',
  'single-sign-on',
  'notifications',
] as const;

/** Maps a path (and query) to a route. Pure, for tests. */
export function matchRoute(path: string, search = ''): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(search);
  if (parts.length === 0) return { page: 'workspaces' };
  const [a, b, c, d, e] = parts;
  if (a === 'login' || a === 'sign-in') return { page: 'sign-in' };
  if (a === 'setup') return { page: 'setup', token: b ?? q.get('token') ?? '' };
  if (a === 'invitations' || a === 'invite' || a === 'accept-invitation')
    return { page: 'accept-invitation', token: b ?? q.get('token') ?? '' };
  if (a === 'reset-password' && b === undefined)
    return { page: 'reset-password', token: q.get('token') ?? '' };
  if (a === 'workspaces') return { page: 'workspaces' };
  const ws = a as string;
  if (b === undefined) return { page: 'dashboard', ws };
  if ((b === 'login' || b === 'sign-in') && c === undefined) return { page: 'sign-in', ws };
  if (b === 'my-access' && c === undefined) {
    const as = q.get('as');
    return as ? { page: 'my-access', ws, as } : { page: 'my-access', ws };
  }
  if (b === 'workspace-settings') {
    if (c === undefined || c === 'groups') {
      if (d === undefined) return { page: 'groups', ws };
      return { page: 'group', ws, groupId: d, tab: e ?? 'users' };
    }
    if ((SETTINGS_PAGES as readonly string[]).includes(c) && d === undefined)
      return { page: c as (typeof SETTINGS_PAGES)[number], ws };
  }
  return { page: 'not-found' };
}

export function settingsPath(ws: string, page = 'groups'): string {
  return `/${encodeURIComponent(ws)}/workspace-settings/${page}`;
}

export function groupPath(ws: string, groupId: string, tab?: string): string {
  return `${settingsPath(ws)}/${encodeURIComponent(groupId)}${tab ? `/${tab}` : ''}`;
}
