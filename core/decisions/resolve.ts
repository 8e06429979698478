/**
 * Finds what an AuthZEN request names: a user by id or email (the email's identity, rules/identity.ts),
 * an app by id, slug or name, a data source by id or name, the workspace by its slug. Live entities only;
 * names and slugs ignore case. The name and slug indexes are built once per state.
 */
import { type App, type DataSource, liveValues, type User, type WorkspaceState } from '../model.ts';
import { identityFor } from '../rules/identity.ts';

interface Names {
  readonly apps: ReadonlyMap<string, App>;
  readonly dataSources: ReadonlyMap<string, DataSource>;
}

const cache = new WeakMap<WorkspaceState, Names>();

function names(state: WorkspaceState): Names {
  let n = cache.get(state);
  if (!n) {
    const apps = new Map<string, App>();
    const dataSources = new Map<string, DataSource>();
    // Slugs first: a slug wins over another app's name that reads the same.
    for (const a of liveValues(state.apps))
      if (a.slug && !apps.has(a.slug.toLowerCase())) apps.set(a.slug.toLowerCase(), a);
    for (const a of liveValues(state.apps))
      if (!apps.has(a.name.toLowerCase())) apps.set(a.name.toLowerCase(), a);
    for (const d of liveValues(state.dataSources))
      if (!dataSources.has(d.name.toLowerCase())) dataSources.set(d.name.toLowerCase(), d);
    n = { apps, dataSources };
    cache.set(state, n);
  }
  return n;
}

/** The user an id or an email names; null when none (or only a deleted one) does. */
export function resolveUser(state: WorkspaceState, id: string): User | null {
  const byId = state.users.get(id);
  if (byId) return byId;
  return id.includes('@') ? identityFor(state, id) : null;
}

export function resolveApp(state: WorkspaceState, id: string): App | null {
  const byId = state.apps.get(id);
  if (byId && byId.deletedAt === undefined) return byId;
  return names(state).apps.get(id.toLowerCase()) ?? null;
}

export function resolveDataSource(state: WorkspaceState, id: string): DataSource | null {
  const byId = state.dataSources.get(id);
  if (byId && byId.deletedAt === undefined) return byId;
  return names(state).dataSources.get(id.toLowerCase()) ?? null;
}

/** The workspace resource: its slug (any case). */
export function isThisWorkspace(state: WorkspaceState, id: string): boolean {
  return id.toLowerCase() === state.meta.slug.toLowerCase();
}
