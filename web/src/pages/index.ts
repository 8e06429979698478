/**
 * Lazily loaded pages: each is its own chunk, so the initial JavaScript stays small. `warmPages` loads
 * them all in idle time so the service worker caches every chunk for offline use.
 */
import type { Component } from 'svelte';

type Loader = () => Promise<{ default: Component<Record<string, unknown>> }>;
const cast = (l: () => Promise<unknown>) => l as Loader;

export const PAGES = {
  'sign-in': cast(() => import('./SignInPage.svelte')),
  setup: cast(() => import('./SetupPage.svelte')),
  'accept-invitation': cast(() => import('./AcceptInvitationPage.svelte')),
  'reset-password': cast(() => import('./ResetPasswordPage.svelte')),
  workspaces: cast(() => import('./WorkspacesPage.svelte')),
  dashboard: cast(() => import('./DashboardPage.svelte')),
  'my-access': cast(() => import('./MyAccessPage.svelte')),
  groups: cast(() => import('./GroupsPage.svelte')),
  group: cast(() => import('./GroupPage.svelte')),
  users: cast(() => import('./UsersPage.svelte')),
  apps: cast(() => import('./AppsPage.svelte')),
  'data-sources': cast(() => import('./DataSourcesPage.svelte')),
  'access-matrix': cast(() => import('./AccessMatrixPage.svelte')),
  history: cast(() => import('./HistoryPage.svelte')),
  conflicts: cast(() => import('./ConflictsPage.svelte')),
  requests: cast(() => import('./RequestsPage.svelte')),
  'check-access': cast(() => import('./CheckAccessPage.svelte')),
  'decision-tokens': cast(() => import('./DecisionTokensPage.svelte')),
  provisioning: cast(() => import('./ProvisioningPage.svelte')),
  'single-sign-on': cast(() => import('./SingleSignOnPage.svelte')),
  notifications: cast(() => import('./NotificationsPage.svelte')),
} as const;

export type PageName = keyof typeof PAGES;

const loaded = new Map<PageName, Component<Record<string, unknown>>>();

/** A page's component once its chunk has loaded (so navigation renders it without an async gap). */
export function loadedPage(name: PageName): Component<Record<string, unknown>> | undefined {
  return loaded.get(name);
}

/** Loads a page's chunk (and remembers it for `loadedPage`). */
export async function loadPage(name: PageName): Promise<{ default: Component<Record<string, unknown>> }> {
  const mod = await PAGES[name]();
  loaded.set(name, mod.default);
  return mod;
}

export function warmPages(): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      const names = Object.keys(PAGES) as PageName[];
      void Promise.allSettled(names.map((n) => loadPage(n))).then(() => resolve());
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(go, { timeout: 2000 });
    else setTimeout(go, 500);
  });
}
