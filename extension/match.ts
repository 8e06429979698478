/**
 * Which app of a cached summary a page belongs to, decided by core's `matchApp` (the same rule the server
 * and the admin app use). The summary's apps are viewed as a workspace state once per summary object.
 */
import { matchApp } from '../core/access/match-app.ts';
import type { App, WorkspaceState } from '../core/model.ts';
import type { AccessSummary, AppSummary } from './summary.ts';

const states = new WeakMap<AccessSummary, WorkspaceState>();

function stateOf(summary: AccessSummary): WorkspaceState {
  let state = states.get(summary);
  if (state) return state;
  const apps = new Map<string, App>();
  for (const a of summary.apps)
    apps.set(a.id, { id: a.id, name: a.name, slug: a.slug, urlPatterns: a.urlPatterns, createdAt: 0 });
  state = {
    version: summary.version,
    meta: summary.workspace,
    users: new Map(),
    groups: new Map(),
    apps,
    dataSources: new Map(),
    conflicts: new Map(),
  };
  states.set(summary, state);
  return state;
}

export function matchSummaryApp(summary: AccessSummary, url: string): AppSummary | null {
  const app = matchApp(stateOf(summary), url);
  return app ? (summary.apps.find((a) => a.id === app.id) ?? null) : null;
}

/**
 * The host permission patterns (`scheme://host/*`) that cover an app's URL patterns; the port is dropped
 * because Chrome's match patterns without a port match every port.
 */
export function originPatterns(urlPatterns: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of urlPatterns) {
    const m = /^(\*|https?):\/\/([^/:]+)(?::\d+)?\//i.exec(p);
    if (m) out.add(`${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}/*`);
  }
  return [...out];
}
