/**
 * The workspace's access catalog: every app (name, slug, URL patterns, createdAt) and data source (name,
 * kind) of the workspace, one resource shared by every member, with its own ETag (issue 10). A user's
 * summary (summarize.ts `summarizeUser`) names resources by their index in this catalog and carries the
 * catalog's id, so a client keeps one catalog per workspace and a small summary per user.
 *
 * What it reveals is what every member's summary listed before the split: the apps and data sources of
 * the workspace (the extension needs every app's URL patterns to say "no access here, ask …"). Groups and
 * grants are not in it: an end-user sees the names of the groups and grants that reach them only, in their
 * own summary. The catalog changes only with an app, a data source or the workspace's name, never with a
 * membership or grant edit.
 */
import type { App, DataSource, WorkspaceState } from '../model.ts';

/** The shape of `/access` and `/access/catalog` (1 was the single summary listing every app). */
export const ACCESS_FORMAT = 2;

export interface CatalogApp {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly urlPatterns: readonly string[];
  /** When the app was created (ms since epoch): `matchApp`'s tie-break between equal patterns. */
  readonly createdAt: number;
}

export interface CatalogDataSource {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
}

export interface AccessCatalog {
  readonly format: typeof ACCESS_FORMAT;
  readonly workspace: { readonly slug: string; readonly name: string };
  /** Live apps by name (then id): the order a summary's app indexes refer to. */
  readonly apps: readonly CatalogApp[];
  /** Live data sources by name (then id). */
  readonly dataSources: readonly CatalogDataSource[];
}

const byName = (a: { name: string; id: string }, b: { name: string; id: string }) =>
  a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function live<T extends App | DataSource>(items: ReadonlyMap<string, T>): T[] {
  const out: T[] = [];
  for (const x of items.values()) if (x.deletedAt === undefined) out.push(x);
  return out.sort(byName);
}

interface Built {
  readonly dataSources: WorkspaceState['dataSources'];
  readonly meta: WorkspaceState['meta'];
  readonly catalog: AccessCatalog;
  readonly appIndex: ReadonlyMap<string, number>;
  readonly dataSourceIndex: ReadonlyMap<string, number>;
}

/**
 * Keyed by the state's `apps` map: the incremental reader keeps a collection's map when nothing in it
 * changed, so a membership edit reuses the catalog (and its serialized bytes upstream).
 */
const cache = new WeakMap<WorkspaceState['apps'], Built>();

function built(state: WorkspaceState): Built {
  const hit = cache.get(state.apps);
  if (hit && hit.dataSources === state.dataSources && hit.meta === state.meta) return hit;
  const apps = live(state.apps).map(
    (a): CatalogApp => ({
      id: a.id,
      name: a.name,
      slug: a.slug,
      urlPatterns: a.urlPatterns,
      createdAt: a.createdAt,
    }),
  );
  const dataSources = live(state.dataSources).map(
    (d): CatalogDataSource => ({ id: d.id, name: d.name, kind: d.kind }),
  );
  const b: Built = {
    dataSources: state.dataSources,
    meta: state.meta,
    catalog: {
      format: ACCESS_FORMAT,
      workspace: { slug: state.meta.slug, name: state.meta.name },
      apps,
      dataSources,
    },
    appIndex: new Map(apps.map((a, i) => [a.id, i])),
    dataSourceIndex: new Map(dataSources.map((d, i) => [d.id, i])),
  };
  cache.set(state.apps, b);
  return b;
}

/** The catalog of a state; the same object for states whose apps, data sources and meta are the same. */
export function buildCatalog(state: WorkspaceState): AccessCatalog {
  return built(state).catalog;
}

/** Index of each resource id in the state's catalog (what a summary's `items` hold). */
export function catalogIndexes(state: WorkspaceState): {
  readonly app: ReadonlyMap<string, number>;
  readonly dataSource: ReadonlyMap<string, number>;
} {
  const b = built(state);
  return { app: b.appIndex, dataSource: b.dataSourceIndex };
}
