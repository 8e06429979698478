/**
 * Permission history (issue 15): access at a past moment (admins: anyone; a person: their own), the access
 * diff between two moments (JSON or CSV), timelines of a user or an app, the workspace doc as of a moment
 * (for the admin app's read-only as-of view), and where history starts. Times are ISO 8601 or epoch ms.
 */
import { toCsv } from '../../../core/index.ts';
import {
  accessAt,
  accessDiff,
  accessDiffCsv,
  accessReview,
  accessReviewCsv,
  appTimeline,
  docAt,
  type HistoryStorage,
  historyStartOf,
  iso,
  userTimeline,
} from '../../history/history-reports.ts';
import type { Workspace } from '../../storage/workspace-store.ts';
import {
  AppTimelineReply,
  HistoryAccessReply,
  HistoryBoundsReply,
  HistoryDiffReply,
  HistoryReviewReply,
  UserTimelineReply,
} from '../history-replies.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';

import { time } from './audit.ts';

const H = '/api/workspaces/:ws/history';
/** Clock skew allowed for "now" from a client (a time this far ahead still means now). */
const FUTURE_SLACK_MS = 60_000;

/** A moment from the query: required unless `fallback`; never in the future. */
function moment(query: URLSearchParams, name: string, fallback?: number): number {
  const t = time(query.get(name), name) ?? fallback;
  if (t === undefined) throw new ApiError('invalid-input', `${name} is required (ISO 8601 date or epoch ms)`);
  const now = Date.now();
  if (t > now + FUTURE_SLACK_MS) throw new ApiError('invalid-input', `${name} is in the future`);
  return Math.min(t, now);
}

function sendCsv(res: import('node:http').ServerResponse, name: string, rows: string[][]): undefined {
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${name}.csv"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(toCsv(rows));
  return undefined;
}

/** The window of a timeline: from (default: where history starts) to (default: now). */
async function span(query: URLSearchParams, storage: HistoryStorage, workspace: Workspace) {
  const from = moment(query, 'from', await historyStartOf(storage, workspace.id));
  const to = moment(query, 'to', Date.now());
  if (from > to) throw new ApiError('invalid-input', 'from must not be after to');
  return { from, to };
}
const SPAN_PARAMS = [
  { name: 'from', description: 'start (default: where history starts)' },
  { name: 'to', description: 'end (default: now)' },
];

/** Admins ask about anyone; anyone else only about themselves (`asked`: an id or email, or null: self). */
function mayAsk(scope: { user: { id: string; email: string; role: string } }, asked: string | null): void {
  if (!asked || scope.user.role === 'admin') return;
  if (asked === scope.user.id || asked.toLowerCase() === scope.user.email.toLowerCase()) return;
  throw new ApiError('forbidden', 'Only admins may see the history of another user’s access');
}

const ref = (query: URLSearchParams, name: string): string | null =>
  query.get(name)?.trim().slice(0, 254) || null;

export const historyRoutes: Route[] = [
  route({
    method: 'GET',
    path: `${H}/access`,
    summary:
      'Access of one user at a past moment: groups, flags, level per app and data source and through which groups (admins: any user; others: their own)',
    tag: 'history',
    auth: 'member',
    queryParams: [
      { name: 'at', description: 'the moment (ISO 8601 or epoch ms), required' },
      { name: 'user', description: 'user id or email (admins only; default: the caller)' },
    ],
    reply: { status: 200, body: HistoryAccessReply },
    handler: async ({ ctx, scope, query }) => {
      const at = moment(query, 'at');
      const asked = ref(query, 'user');
      mayAsk(scope, asked);
      const admin = scope.user.role === 'admin';
      const body = await accessAt(ctx, scope.workspace.id, at, admin ? asked : null, scope.user.id);
      return { status: 200, body };
    },
  }),
  route({
    method: 'GET',
    path: `${H}/diff`,
    summary:
      'What changed in access between two moments: per user and resource the level before and after, with the change that caused it (audit entry, author, time), and the memberships added and removed (the first 1,000 each way listed, all counted); JSON or CSV',
    tag: 'history',
    auth: 'admin',
    queryParams: [
      { name: 'from', description: 'the first moment, required' },
      { name: 'to', description: 'the second moment (default: now)' },
      { name: 'format', description: 'csv for a CSV download' },
    ],
    reply: { status: 200, body: HistoryDiffReply, other: 'text/csv' },
    handler: async ({ ctx, scope, query, res }) => {
      const from = moment(query, 'from');
      const to = moment(query, 'to', Date.now());
      const diff = await accessDiff(ctx, scope.workspace.id, from, to);
      if (query.get('format') === 'csv')
        return sendCsv(res, `access-diff-${scope.workspace.slug}`, accessDiffCsv(diff));
      return { status: 200, body: diff };
    },
  }),
  route({
    method: 'GET',
    path: `${H}/review`,
    summary:
      'Access review at a date: every user × app and data source with a level, through which groups, since when (JSON or CSV, the evidence auditors ask for)',
    tag: 'history',
    auth: 'admin',
    queryParams: [
      { name: 'at', description: 'the date (default: now)' },
      { name: 'format', description: 'csv for a CSV download' },
    ],
    reply: { status: 200, body: HistoryReviewReply, other: 'text/csv' },
    handler: async ({ ctx, scope, query, res }) => {
      const at = moment(query, 'at', Date.now());
      const from = await historyStartOf(ctx.storage, scope.workspace.id);
      const review = await accessReview(ctx, scope.workspace.id, from, at);
      if (query.get('format') === 'csv')
        return sendCsv(
          res,
          `access-review-${scope.workspace.slug}-${iso(at).slice(0, 10)}`,
          accessReviewCsv(review),
        );
      return { status: 200, body: review };
    },
  }),
  route({
    method: 'GET',
    path: `${H}/timeline/user`,
    summary:
      'Every change of one user’s access over time (role, status, groups, level per resource) with causes (admins: any user; others: their own)',
    tag: 'history',
    auth: 'member',
    queryParams: [
      { name: 'user', description: 'user id or email (admins only; default: the caller)' },
      ...SPAN_PARAMS,
    ],
    reply: { status: 200, body: UserTimelineReply },
    handler: async ({ ctx, scope, query }) => {
      const asked = ref(query, 'user');
      mayAsk(scope, asked);
      const { from, to } = await span(query, ctx.storage, scope.workspace);
      const t = await userTimeline(
        ctx,
        scope.workspace.id,
        asked ?? scope.user.id,
        from,
        to,
        ctx.config.historyMaxReplayedUpdates,
      );
      return { status: 200, body: t };
    },
  }),
  route({
    method: 'GET',
    path: `${H}/timeline/app`,
    summary:
      'Who had which level on one app over time: the levels at the start, then every change with its cause',
    tag: 'history',
    auth: 'admin',
    queryParams: [{ name: 'app', description: 'app id, slug or name, required' }, ...SPAN_PARAMS],
    reply: { status: 200, body: AppTimelineReply },
    handler: async ({ ctx, scope, query }) => {
      const app = ref(query, 'app');
      if (!app) throw new ApiError('invalid-input', 'app is required');
      const { from, to } = await span(query, ctx.storage, scope.workspace);
      return {
        status: 200,
        body: await appTimeline(ctx, scope.workspace.id, app, from, to, ctx.config.historyMaxReplayedUpdates),
      };
    },
  }),
  route({
    method: 'GET',
    path: `${H}/doc`,
    summary:
      'The workspace doc as of a moment, as one Yjs V1 update (the admin app’s read-only as-of view); header x-history-seq names the moment',
    tag: 'history',
    auth: 'admin',
    queryParams: [{ name: 'at', description: 'the moment, required' }],
    reply: { status: 200, other: 'application/octet-stream' },
    handler: async ({ ctx, scope, query, res }) => {
      const at = moment(query, 'at');
      const { bytes, seq } = await docAt(ctx, scope.workspace.id, at);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': bytes.length,
        'cache-control': 'private, max-age=300',
        'x-history-seq': String(seq),
        'x-content-type-options': 'nosniff',
      });
      res.end(bytes);
      return undefined;
    },
  }),
  route({
    method: 'GET',
    path: `${H}/bounds`,
    summary: 'Where the kept history starts (the oldest moment that can be asked) and the server’s now',
    tag: 'history',
    auth: 'admin',
    reply: { status: 200, body: HistoryBoundsReply },
    handler: async ({ ctx, scope }) => {
      const start = await historyStartOf(ctx.storage, scope.workspace.id);
      return { status: 200, body: { start: iso(start), now: iso(Date.now()) } };
    },
  }),
];
