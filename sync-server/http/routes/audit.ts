/** `/audit`: the server-stamped history, filterable, paged by cursor, as JSON or CSV. */
import { z } from 'zod';
import { csvCell } from '../../../core/index.ts';
import type { AuditEntry } from '../../storage/audit-store.ts';
import { AuditEntryJson } from '../replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';

const MAX_LIMIT = 500;
const CSV_LIMIT = 50_000;

export function time(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n))
    throw new ApiError('invalid-input', `${name} must be a date (ISO 8601) or epoch ms`);
  return n;
}

/**
 * Quotes a CSV cell; what a spreadsheet would run as a formula gets an apostrophe before it: the cell's
 * start (also after blanks) and every part after a `;` (a spreadsheet whose list separator is `;` splits
 * this comma-separated file there, quotes or not).
 */
const entryJson = (e: AuditEntry) => ({
  id: e.id,
  at: new Date(e.at).toISOString(),
  actor: e.actorId ? { id: e.actorId, email: e.actorEmail, name: e.actorName } : null,
  source: e.source,
  action: e.action,
  entities: e.entities,
  summary: e.summary,
});

export const auditRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/api/workspaces/:ws/audit',
    summary: 'Audit log, newest first',
    tag: 'audit',
    auth: 'admin',
    queryParams: [
      { name: 'actor', description: 'account id or email' },
      {
        name: 'entity',
        description: 'a collection (groups, users, apps, dataSources, conflicts) or an entity id',
      },
      { name: 'from', description: 'ISO date or epoch ms (inclusive)' },
      { name: 'to', description: 'ISO date or epoch ms (inclusive)' },
      { name: 'cursor', description: 'nextCursor of the previous page' },
      { name: 'limit', description: `page size, 1–${MAX_LIMIT} (default 100)` },
      { name: 'format', description: 'csv for a CSV download of every matching entry' },
    ],
    reply: {
      status: 200,
      body: z.object({ entries: z.array(AuditEntryJson), nextCursor: z.string().nullable() }),
      other: 'text/csv',
    },
    handler: async ({ ctx, scope, query, res }) => {
      const csv = query.get('format') === 'csv';
      const limitRaw = query.get('limit');
      const limit = limitRaw === null ? 100 : Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
        throw new ApiError('invalid-input', `limit must be 1–${MAX_LIMIT}`);
      const cursor = query.get('cursor');
      if (cursor !== null && !/^\d{1,15}$/.test(cursor)) throw new ApiError('invalid-input', 'Bad cursor');
      const entries = await ctx.storage.queryAudit({
        workspaceId: scope.workspace.id,
        actor: query.get('actor')?.slice(0, 254) || undefined,
        entity: query.get('entity')?.slice(0, 100) || undefined,
        from: time(query.get('from'), 'from'),
        to: time(query.get('to'), 'to'),
        before: cursor === null ? undefined : Number(cursor),
        limit: csv ? CSV_LIMIT : limit + 1,
      });
      if (csv) {
        const lines = ['id,at,actor_email,actor_name,source,action,entities,summary'];
        for (const e of entries) {
          const ents = e.entities
            .map((x) => `${x.collection}:${x.name ?? x.id}[${x.fields.join('|')}]`)
            .join('; ');
          lines.push(
            [
              String(e.id),
              new Date(e.at).toISOString(),
              e.actorEmail ?? 'server',
              e.actorName ?? '',
              e.source,
              e.action,
              ents,
              e.summary,
            ]
              .map(csvCell)
              .join(','),
          );
        }
        const text = `${lines.join('\r\n')}\r\n`;
        res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="audit-${scope.workspace.slug}.csv"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
        res.end(text);
        return undefined;
      }
      const page = entries.slice(0, limit);
      const nextCursor = entries.length > limit ? String(page[page.length - 1]!.id) : null;
      return { status: 200, body: { entries: page.map(entryJson), nextCursor } };
    },
  }),
];
