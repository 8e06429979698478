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
} as const;

export type PageName = keyof typeof PAGES;

export function warmPages(): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      void Promise.allSettled(Object.values(PAGES).map((load) => load())).then(() => resolve());
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(go, { timeout: 2000 });
    else setTimeout(go, 500);
  });
}
