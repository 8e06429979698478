/**
 * Finding 7: when an update in a batch is refused, the shadow copy still holds it; the accepted ones are
 * committed and repaired after that, so the shadow must be rebuilt before (repair is planned from the
 * committed doc, then applied and validated on the shadow).
 */
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type Command, readState } from '../../core/index.ts';
import { createLogger } from '../../sync-server/log.ts';
import { openSqliteStorage } from '../../sync-server/storage/sqlite-storage.ts';
import { type Actor, LiveDoc } from '../../sync-server/sync/live-doc.ts';
import { run, tempDir, workspaceDocWithAdmin } from './helpers.ts';

const actor: Actor = { accountId: 'a1', email: 'admin@acme.test', name: 'Admin' };
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

it('a refused update in a batch does not reach the repair of the accepted ones', async () => {
  const storage = openSqliteStorage(tempDir());
  const initial = workspaceDocWithAdmin(actor.email!);
  const ws = await storage.createWorkspace({
    slug: 'acme',
    name: 'Acme',
    initialUpdate: Y.encodeStateAsUpdate(initial),
  });
  const live = new LiveDoc(ws, await storage.loadDoc(ws.id), {
    storage,
    log: createLogger('silent'),
    maxDocBytes: 10 * 1024 * 1024,
    compactAfterUpdates: 10_000,
  });
  cleanup.push(async () => {
    await live.destroy();
    await storage.close();
  });
  const command = async (c: Command) => {
    const trusted = c.type === 'user.activate';
    const r = await live.submit(
      { kind: 'command', command: { ...c, allowRoleChange: true }, trusted },
      actor,
      'api',
    );
    if (!r.ok) throw new Error(r.error.message);
    return r.planned!.createdId!;
  };
  const userId = await command({ type: 'user.invite', email: 'eu@acme.test', name: 'Eu', role: 'end-user' });
  await command({ type: 'user.activate', userId });
  const groupId = await command({ type: 'group.create', name: 'Team' });
  // Two clients at this state; then the group becomes builder-level on the server.
  const a = new Y.Doc();
  const b = new Y.Doc();
  Y.applyUpdate(a, Y.encodeStateAsUpdate(live.doc));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(live.doc));
  const updates = { a: [] as Uint8Array[], b: [] as Uint8Array[] };
  a.on('update', (u: Uint8Array) => updates.a.push(u));
  b.on('update', (u: Uint8Array) => updates.b.push(u));
  await command({ type: 'group.setFlags', groupId, flags: { appCreate: true } });
  // A (valid, needs repair): the end-user joins the group, as the stale client sees it (not builder-level).
  // It arrives as a catch-up (sync step 2 after being offline): rules concurrent edits break go to repair.
  run(a, { type: 'group.addMembers', groupId, userIds: [userId] });
  // B (refused): junk written into the same group.
  (b.getMap('groups').get(groupId) as Y.Map<unknown>).set('junk', 42);
  const [ra, rb] = await Promise.all([
    live.submit({ kind: 'update', update: updates.a[0]!, catchUp: true }, actor, 'sync'),
    live.submit({ kind: 'update', update: updates.b[0]! }, actor, 'sync'),
  ]);
  expect(ra).toMatchObject({ ok: true, committed: true });
  expect(rb).toMatchObject({ ok: false, error: { code: 'invalid-update' } });
  await live.idle();
  const state = live.state();
  // Repaired towards least privilege, with a conflict record; the refused junk is nowhere.
  expect(state.groups.get(groupId)!.members.has(userId)).toBe(false);
  expect(state.users.get(userId)!.role).toBe('end-user');
  expect(state.conflicts.size).toBe(1);
  expect((live.doc.getMap('groups').get(groupId) as Y.Map<unknown>).get('junk')).toBeUndefined();
  const replay = new Y.Doc();
  const stored = await storage.loadDoc(ws.id);
  for (const u of [stored.snapshot, ...stored.updates]) if (u) Y.applyUpdate(replay, u);
  expect(readState(replay).groups.get(groupId)!.members.has(userId)).toBe(false);
  expect((replay.getMap('groups').get(groupId) as Y.Map<unknown>).get('junk')).toBeUndefined();
});
