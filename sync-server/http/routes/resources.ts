/** `/api/workspaces/:ws/apps`, `/data-sources` and `/conflicts`. */
import { z } from 'zod';
import { executeCommand } from '../execute.ts';
import { AppJson, ConflictJson, changed, DataSourceJson, ImpactReply } from '../replies.ts';
import { type Route, route } from '../route.ts';
import { AppCreateBody, AppPatchBody, DataSourceCreateBody, DataSourcePatchBody } from '../schemas.ts';
import { appJson, conflictJson, dataSourceJson } from '../serialize.ts';

const W = '/api/workspaces/:ws';
const DRY_RUN = [{ name: 'dryRun', description: 'true: return the impact and change nothing' }];

export const resourceRoutes: Route[] = [
  route({
    method: 'GET',
    path: `${W}/apps`,
    summary: 'List apps',
    tag: 'apps',
    auth: 'admin',
    reply: { status: 200, body: z.object({ apps: z.array(AppJson) }) },
    handler: async ({ scope }) => {
      const apps = [...scope.live.state().apps.values()].filter((a) => a.deletedAt === undefined);
      return { status: 200, body: { apps: apps.map(appJson) } };
    },
  }),
  route({
    method: 'POST',
    path: `${W}/apps`,
    summary: 'Create an app',
    tag: 'apps',
    auth: 'admin',
    body: AppCreateBody,
    queryParams: DRY_RUN,
    reply: { status: 201, body: changed({ app: AppJson }) },
    handler: (rc) =>
      executeCommand(
        rc,
        { type: 'app.create', ...rc.body },
        (p, s) => ({ app: appJson(s.apps.get(p.createdId!)!) }),
        201,
      ),
  }),
  route({
    method: 'PATCH',
    path: `${W}/apps/:id`,
    summary: 'Rename an app or change its slug or URL patterns',
    tag: 'apps',
    auth: 'admin',
    body: AppPatchBody,
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ app: AppJson }) },
    handler: (rc) =>
      executeCommand(rc, { type: 'app.update', appId: rc.params.id, ...rc.body }, (_p, s) => ({
        app: appJson(s.apps.get(rc.params.id)!),
      })),
  }),
  route({
    method: 'DELETE',
    path: `${W}/apps/:id`,
    summary: 'Delete an app',
    tag: 'apps',
    auth: 'admin',
    queryParams: DRY_RUN,
    reply: { status: 200, body: ImpactReply },
    handler: (rc) => executeCommand(rc, { type: 'app.delete', appId: rc.params.id }),
  }),
  route({
    method: 'GET',
    path: `${W}/data-sources`,
    summary: 'List data sources',
    tag: 'data sources',
    auth: 'admin',
    reply: { status: 200, body: z.object({ dataSources: z.array(DataSourceJson) }) },
    handler: async ({ scope }) => {
      const list = [...scope.live.state().dataSources.values()].filter((d) => d.deletedAt === undefined);
      return { status: 200, body: { dataSources: list.map(dataSourceJson) } };
    },
  }),
  route({
    method: 'POST',
    path: `${W}/data-sources`,
    summary: 'Create a data source',
    tag: 'data sources',
    auth: 'admin',
    body: DataSourceCreateBody,
    queryParams: DRY_RUN,
    reply: { status: 201, body: changed({ dataSource: DataSourceJson }) },
    handler: (rc) =>
      executeCommand(
        rc,
        { type: 'dataSource.create', ...rc.body },
        (p, s) => ({ dataSource: dataSourceJson(s.dataSources.get(p.createdId!)!) }),
        201,
      ),
  }),
  route({
    method: 'PATCH',
    path: `${W}/data-sources/:id`,
    summary: 'Rename a data source or change its kind',
    tag: 'data sources',
    auth: 'admin',
    body: DataSourcePatchBody,
    queryParams: DRY_RUN,
    reply: { status: 200, body: changed({ dataSource: DataSourceJson }) },
    handler: (rc) =>
      executeCommand(rc, { type: 'dataSource.update', dataSourceId: rc.params.id, ...rc.body }, (_p, s) => ({
        dataSource: dataSourceJson(s.dataSources.get(rc.params.id)!),
      })),
  }),
  route({
    method: 'DELETE',
    path: `${W}/data-sources/:id`,
    summary: 'Delete a data source',
    tag: 'data sources',
    auth: 'admin',
    queryParams: DRY_RUN,
    reply: { status: 200, body: ImpactReply },
    handler: (rc) => executeCommand(rc, { type: 'dataSource.delete', dataSourceId: rc.params.id }),
  }),
  route({
    method: 'GET',
    path: `${W}/conflicts`,
    summary: 'Conflicts the server repaired after merges',
    tag: 'conflicts',
    auth: 'admin',
    reply: { status: 200, body: z.object({ conflicts: z.array(ConflictJson) }) },
    handler: async ({ scope, query }) => {
      const all = [...scope.live.state().conflicts.values()];
      const open = query.get('all') === 'true' ? all : all.filter((c) => c.resolvedAt === undefined);
      open.sort((a, b) => b.createdAt - a.createdAt);
      return { status: 200, body: { conflicts: open.map(conflictJson) } };
    },
  }),
  route({
    method: 'POST',
    path: `${W}/conflicts/:id/resolve`,
    summary: 'Mark a conflict as seen and resolved',
    tag: 'conflicts',
    auth: 'admin',
    reply: { status: 200, body: ImpactReply },
    handler: (rc) => executeCommand(rc, { type: 'conflict.resolve', conflictId: rc.params.id }),
  }),
];
