/**
 * `POST …/history/undo` (issue 15): revert one audit entry as a new change — the inverse ops of just that
 * change (core `history.planUndo`, the states just before and after it) planned against today's state,
 * with the impact preview (`?dryRun=true`), the consent a role change needs (`allowRoleChange`), and the
 * later edits of the same fields shown as conflicts for the admin to choose (`conflicts`: keep-later or
 * overwrite). History is never rewritten: the undo is audited like any change, and can be undone too.
 */
import { z } from 'zod';
import { history } from '../../../core/index.ts';
import { statesAt } from '../../history/history-reports.ts';
import { apiErrorFrom, isDryRun } from '../execute.ts';
import { Impact } from '../replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';

const UndoBody = z.object({
  auditId: z.number().int().positive(),
  conflicts: z.enum(['keep-later', 'overwrite']).optional(),
  allowRoleChange: z.boolean().optional(),
});

const Conflict = z.object({
  collection: z.string(),
  id: z.string(),
  name: z.string(),
  field: z.string(),
  before: z.unknown(),
  afterChange: z.unknown(),
  now: z.unknown(),
});

const UndoReply = z.object({
  dryRun: z.boolean(),
  auditId: z.number(),
  summary: z.string(),
  ops: z.number(),
  conflicts: z.array(Conflict),
  impact: Impact,
});

export const historyUndoRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/api/workspaces/:ws/history/undo',
    summary:
      'Undo one change (an audit entry) as a new change: ?dryRun=true previews the impact and the conflicts (later edits of the same fields); committing with conflicts needs `conflicts` (keep-later | overwrite), and a role change needs allowRoleChange',
    tag: 'history',
    auth: 'admin',
    body: UndoBody,
    queryParams: [
      { name: 'dryRun', description: 'true: return the impact and the conflicts, change nothing' },
    ],
    reply: { status: 200, body: UndoReply },
    handler: async ({ ctx, scope, body, query }) => {
      const ws = scope.workspace.id;
      const [entry] = await ctx.storage.queryAudit({ workspaceId: ws, before: body.auditId + 1, limit: 1 });
      if (!entry || entry.id !== body.auditId) throw new ApiError('not-found', 'No such audit entry');
      const [before, after] = await statesAt(ctx, ws, [entry.at - 1, entry.at]);
      const dryRun = isDryRun(query);
      const now = scope.live.state();
      const planned = history.planUndo(before!.state, after!.state, now, {
        now: Date.now(),
        conflicts: body.conflicts ?? 'keep-later',
        allowRoleChange: dryRun || body.allowRoleChange === true,
      });
      if (!planned.ok) {
        const conflicts = (planned.error.details as { conflicts?: unknown[] } | undefined)?.conflicts ?? [];
        if (
          planned.error.code === 'nothing-to-change' &&
          conflicts.length > 0 &&
          body.conflicts === undefined
        )
          throw new ApiError('undo-conflicts', planned.error.message, { conflicts });
        throw new ApiError(planned.error.code, planned.error.message, planned.error.details);
      }
      const { ops, conflicts, impact } = planned.value;
      const reply = { auditId: entry.id, summary: entry.summary, ops: ops.length, conflicts, impact };
      if (dryRun) return { status: 200, body: { dryRun: true, ...reply } };
      if (conflicts.length > 0 && body.conflicts === undefined)
        throw new ApiError(
          'undo-conflicts',
          `Later edits changed ${conflicts.length} of the fields this change set: keep them or overwrite them`,
          { conflicts },
        );
      const result = await scope.live.submit(
        {
          kind: 'ops',
          ops,
          action: 'history.undo',
          summary: `Undid #${entry.id}: ${entry.summary}`.slice(0, 500),
          // Planned on the state read above: refused if a change came in between (plan again).
          check: () =>
            scope.live.state() === now
              ? null
              : {
                  code: 'changed-meanwhile',
                  message: 'The workspace changed meanwhile: preview the undo again',
                },
        },
        scope.actor,
        'api',
      );
      if (!result.ok) throw apiErrorFrom(result.error);
      return { status: 200, body: { dryRun: false, ...reply } };
    },
  }),
];
