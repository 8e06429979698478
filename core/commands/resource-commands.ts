/** App and data-source commands, and resolving a conflict record. */

import { fail, ok, type Result } from '../errors.ts';
import type { App, DataSource, ResourceType, WorkspaceState } from '../model.ts';
import type { Op } from '../ops.ts';
import { checkKind, checkResourceName, checkSlugFormat } from '../rules/formats.ts';
import { MAX_SLUG } from '../rules/limits.ts';
import { liveNamed } from '../rules/names.ts';
import { normalizeUrlPatterns } from '../rules/url-patterns.ts';
import type { CommandBody } from './command.ts';
import { draft, findApp, findDataSource, isFailure, type Planner } from './planner.ts';

type Of<T extends CommandBody['type']> = Extract<CommandBody, { type: T }>;

/** A name as typed for an app or data source: its format, and no other live one of the kind named alike. */
function resourceName(
  state: WorkspaceState,
  name: string,
  what: 'App' | 'Data source',
  exceptId?: string,
): Result<string> {
  const format = checkResourceName(name, what);
  if (!format.ok) return format;
  const pool: Iterable<App | DataSource> = what === 'App' ? state.apps.values() : state.dataSources.values();
  const other = liveNamed(pool, format.value, exceptId);
  if (other)
    return fail(
      'name-taken',
      `${what === 'App' ? 'An app' : 'A data source'} named “${other.name}” already exists`,
      {
        id: other.id,
      },
    );
  return format;
}

export function slugify(name: string): string {
  const s = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/g, '');
  return s || 'app';
}

function checkSlug(state: WorkspaceState, slug: string, exceptId?: string): Result<string> {
  const format = checkSlugFormat(slug);
  if (!format.ok) return format;
  for (const a of state.apps.values())
    if (a.deletedAt === undefined && a.id !== exceptId && a.slug === slug)
      return fail('slug-taken', `Another app already uses the slug “${slug}”`);
  return ok(slug);
}

function freeSlug(state: WorkspaceState, base: string): string {
  let slug = base;
  for (let n = 2; !checkSlug(state, slug).ok; n++) slug = `${base.slice(0, 58)}-${n}`;
  return slug;
}

export const planAppCreate: Planner<Of<'app.create'>> = ({ state, now, newId }, c) => {
  const name = resourceName(state, c.name, 'App');
  if (!name.ok) return name;
  const slug = c.slug === undefined ? ok(freeSlug(state, slugify(name.value))) : checkSlug(state, c.slug);
  if (!slug.ok) return slug;
  const patterns = normalizeUrlPatterns(c.urlPatterns ?? []);
  if (!patterns.ok) return patterns;
  const id = newId();
  return draft(
    [
      {
        type: 'entity.create',
        collection: 'apps',
        id,
        fields: {
          name: name.value,
          slug: slug.value,
          urlPatterns: patterns.value,
          ...(c.forwardAuthLevel ? { forwardAuthLevel: c.forwardAuthLevel } : {}),
          createdAt: now,
        },
      },
    ],
    id,
  );
};

export const planAppUpdate: Planner<Of<'app.update'>> = ({ state }, c) => {
  const app = findApp(state, c.appId);
  if (isFailure(app)) return app;
  const fields: Record<string, string | string[] | undefined> = {};
  // null clears the field (by method again): an undefined value deletes the key.
  if (c.forwardAuthLevel !== undefined) fields.forwardAuthLevel = c.forwardAuthLevel ?? undefined;
  if (c.name !== undefined) {
    const name = resourceName(state, c.name, 'App', app.id);
    if (!name.ok) return name;
    fields.name = name.value;
  }
  if (c.slug !== undefined) {
    const slug = checkSlug(state, c.slug, app.id);
    if (!slug.ok) return slug;
    fields.slug = slug.value;
  }
  if (c.urlPatterns !== undefined) {
    const patterns = normalizeUrlPatterns(c.urlPatterns);
    if (!patterns.ok) return patterns;
    fields.urlPatterns = patterns.value;
  }
  if (Object.keys(fields).length === 0) return fail('nothing-to-change', 'Nothing to change');
  return draft([{ type: 'entity.set', collection: 'apps', id: app.id, fields }]);
};

export const planAppDelete: Planner<Of<'app.delete'>> = ({ state, now }, c) => {
  const app = findApp(state, c.appId);
  if (isFailure(app)) return app;
  return draft([
    ...unlistOps(state, 'app', app.id, now),
    { type: 'entity.set', collection: 'apps', id: app.id, fields: { deletedAt: now } },
  ]);
};

/** A deleted resource leaves every custom grant that lists it; a grant left empty is removed. */
function unlistOps(state: WorkspaceState, type: ResourceType, id: string, now: number): Op[] {
  const ops: Op[] = [];
  for (const g of state.groups.values()) {
    if (g.deletedAt !== undefined) continue;
    for (const grant of g.grants.values()) {
      if (grant.deletedAt !== undefined || grant.scope !== 'custom' || grant.resourceType !== type) continue;
      if (!grant.resourceIds.includes(id)) continue;
      ops.push({ type: 'grant.resources', groupId: g.id, grantId: grant.id, add: [], remove: [id] });
      if (grant.resourceIds.length === 1)
        ops.push({ type: 'grant.set', groupId: g.id, grantId: grant.id, fields: { deletedAt: now } });
    }
  }
  return ops;
}

export const planDataSourceCreate: Planner<Of<'dataSource.create'>> = ({ state, now, newId }, c) => {
  const name = resourceName(state, c.name, 'Data source');
  if (!name.ok) return name;
  const kind = checkKind(c.kind);
  if (!kind.ok) return kind;
  const id = newId();
  return draft(
    [
      {
        type: 'entity.create',
        collection: 'dataSources',
        id,
        fields: { name: name.value, kind: kind.value, createdAt: now },
      },
    ],
    id,
  );
};

export const planDataSourceUpdate: Planner<Of<'dataSource.update'>> = ({ state }, c) => {
  const ds = findDataSource(state, c.dataSourceId);
  if (isFailure(ds)) return ds;
  const fields: Record<string, string> = {};
  if (c.name !== undefined) {
    const name = resourceName(state, c.name, 'Data source', ds.id);
    if (!name.ok) return name;
    fields.name = name.value;
  }
  if (c.kind !== undefined) {
    const kind = checkKind(c.kind);
    if (!kind.ok) return kind;
    fields.kind = kind.value;
  }
  if (Object.keys(fields).length === 0) return fail('nothing-to-change', 'Nothing to change');
  return draft([{ type: 'entity.set', collection: 'dataSources', id: ds.id, fields }]);
};

export const planDataSourceDelete: Planner<Of<'dataSource.delete'>> = ({ state, now }, c) => {
  const ds = findDataSource(state, c.dataSourceId);
  if (isFailure(ds)) return ds;
  return draft([
    ...unlistOps(state, 'dataSource', ds.id, now),
    { type: 'entity.set', collection: 'dataSources', id: ds.id, fields: { deletedAt: now } },
  ]);
};

export const planConflictResolve: Planner<Of<'conflict.resolve'>> = ({ state, now }, c) => {
  const conflict = state.conflicts.get(c.conflictId);
  if (!conflict) return fail('not-found', 'Conflict not found');
  if (conflict.resolvedAt !== undefined) return fail('nothing-to-change', 'The conflict is already resolved');
  return draft([
    { type: 'entity.set', collection: 'conflicts', id: conflict.id, fields: { resolvedAt: now } },
  ]);
};
