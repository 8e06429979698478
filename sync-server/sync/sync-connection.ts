/**
 * One y-websocket connection, from upgrade to session. Auth happens after the upgrade (browsers cannot
 * read a refused upgrade): sync-auth.ts decides, and a refusal closes with its error's close code
 * (4401/4403…). Messages that arrive meanwhile wait (sync-socket.ts). Loading the doc may answer a new
 * client from the stored snapshot first (snapshot-answer.ts); then the session serves it (sync-session.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ServerContext } from '../context.ts';
import type { SocketErrorCode } from '../errors.ts';
import { isStorageUnavailable } from '../storage/errors.ts';
import type { LiveDoc } from './live-doc.ts';
import { answerFromSnapshot, type EarlySync } from './snapshot-answer.ts';
import { authorizeSync, syncAdmin } from './sync-auth.ts';
import { SyncSession } from './sync-session.ts';
import { SyncSocket } from './sync-socket.ts';

export function handleSyncConnection(
  ctx: ServerContext,
  ws: WebSocket,
  req: IncomingMessage,
  slug: string,
  query: URLSearchParams,
): void {
  const socket = new SyncSocket(ws, ctx.config.maxMessagesPerSecond);
  const refuse = (code: SocketErrorCode, reason: string) => {
    ctx.log.info({ workspace: slug.slice(0, 40), code }, 'sync refused');
    socket.close(code, reason);
  };
  void (async () => {
    const auth = await authorizeSync(ctx, req, slug, query);
    if (!auth.ok) return refuse(auth.code, auth.reason);
    if (socket.closed) return;
    const { principal, workspace } = auth;
    let live: LiveDoc;
    let early: EarlySync | null = null;
    try {
      live = await ctx.registry.acquire(workspace, (stored, hold) => {
        early = answerFromSnapshot(socket, stored, principal.account.email);
        if (early) hold(early.done);
      });
    } catch (err) {
      ctx.log.error({ err }, 'loading a doc failed');
      return refuse('storage-failed', 'Could not load the workspace');
    }
    const admin = syncAdmin(live.doc, principal);
    if (socket.closed || !admin.ok) {
      ctx.registry.release(live);
      return refuse('forbidden', 'Not an admin of this workspace');
    }
    new SyncSession({ ctx, socket, live, principal, userId: admin.user.id }).start(early);
  })().catch((err) => {
    ctx.log.error({ err }, 'sync connection setup failed');
    if (isStorageUnavailable(err)) socket.close('storage-failed', 'Storage unavailable; try again later');
    else socket.close('internal', 'Internal error');
  });
}
