/**
 * The workspace store on a real Dexie database (fake-indexeddb): the replica persists across reopen,
 * local commits count as waiting changes, and mutations follow plan → confirm → commit (Cancel changes nothing).
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DexieYProvider } from 'y-dexie';
import * as Y from 'yjs';
import { createWorkspaceDoc, DocReader } from '../../core/index.ts';
import { compactRows } from '../../web/src/lib/db/compact-replica.ts';
import { database, getPref, openReplica } from '../../web/src/lib/db/index.ts';
import { run } from '../../web/src/lib/services/mutate.ts';
import { confirmations } from '../../web/src/lib/state/confirm.svelte.ts';
import { GroupsList } from '../../web/src/lib/state/groups.svelte.ts';
import { toasts } from '../../web/src/lib/state/toasts.svelte.ts';
import { WorkspaceStore, workspace } from '../../web/src/lib/state/workspace.svelte.ts';

function groupByName(name: string) {
  return [...(workspace.state?.groups.values() ?? [])].find(
    (g) => g.name === name && g.deletedAt === undefined,
  );
}

function userByEmail(email: string) {
  return [...(workspace.state?.users.values() ?? [])].find((u) => u.email === email);
}

beforeAll(async () => {
  await workspace.open('nexus', { connect: false });
  expect(workspace.ready).toBe(false);
  // What the first sync would bring: the server's workspace doc.
  const server = createWorkspaceDoc({ name: 'Nexus', slug: 'nexus' });
  Y.applyUpdate(workspace.doc!, Y.encodeStateAsUpdate(server));
  workspace.refresh();
});

afterAll(() => workspace.close());

describe('workspace store', () => {
  it('reads the synced workspace', () => {
    expect(workspace.ready).toBe(true);
    expect(workspace.state?.meta.slug).toBe('nexus');
  });

  it('commits a command, toasts, and counts it as waiting for the server', async () => {
    const before = workspace.waiting;
    const res = await run(
      { type: 'group.create', name: 'HR' },
      { summary: 'Create group HR', success: 'Group has been created' },
    );
    expect(res.ok).toBe(true);
    expect(groupByName('HR')).toBeDefined();
    expect(workspace.waiting).toBe(before + 1);
    // Opened without the socket: the toast also says the change is kept on this device for now.
    expect(toasts.items.at(-1)?.text).toMatch(/^Group has been created/);
  });

  it('refuses invalid names with core’s message and changes nothing', async () => {
    const version = workspace.state?.version;
    const res = await run({ type: 'group.create', name: 'hr' }, { summary: 'dup', quiet: true });
    expect(res).toMatchObject({ ok: false, cancelled: false, message: 'Group name already exists' });
    expect(workspace.state?.version).toBe(version);
  });

  it('asks before a role change: Cancel changes nothing, Confirm upgrades', async () => {
    await run(
      { type: 'user.invite', email: 'eve@corp.com', name: 'Eve', role: 'end-user' },
      { summary: 'invite' },
    );
    const eve = userByEmail('eve@corp.com')!;
    const hr = groupByName('HR')!;
    await run({ type: 'group.setFlags', groupId: hr.id, flags: { appCreate: true } }, { summary: 'flags' });

    const cancelled = run(
      { type: 'group.addMembers', groupId: hr.id, userIds: [eve.id] },
      { summary: 'add' },
    );
    await Promise.resolve();
    expect(confirmations.current?.impact?.roleChanges.map((c) => c.email)).toEqual(['eve@corp.com']);
    expect(confirmations.current?.impact?.builderDelta).toBe(1);
    confirmations.answer(false);
    expect(await cancelled).toEqual({ ok: false, cancelled: true });
    expect(groupByName('HR')?.members.has(eve.id)).toBe(false);
    expect(userByEmail('eve@corp.com')?.role).toBe('end-user');

    const confirmed = run(
      { type: 'group.addMembers', groupId: hr.id, userIds: [eve.id] },
      { summary: 'add' },
    );
    await Promise.resolve();
    confirmations.answer(true);
    expect((await confirmed).ok).toBe(true);
    expect(groupByName('HR')?.members.has(eve.id)).toBe(true);
    expect(userByEmail('eve@corp.com')?.role).toBe('builder');
  });

  it('derives the groups list from the store', () => {
    const list = new GroupsList();
    expect(list.sections.custom.map((r) => r.group.name)).toEqual(['HR']);
    list.query = 'zzz';
    expect(list.sections.custom).toEqual([]);
  });

  it('keeps the replica and the waiting changes across a reopen (offline reload)', async () => {
    const waiting = workspace.waiting;
    workspace.close();
    await workspace.open('nexus', { connect: false });
    expect(groupByName('HR')).toBeDefined();
    expect(workspace.waiting).toBe(waiting);
    expect(new DocReader(workspace.doc!).state().users.size).toBe(1);
  });

  it('keeps a local cache of the Groups list and shows it while the doc loads', async () => {
    workspace.close(); // flushes the pending cache write
    await new Promise((r) => setTimeout(r, 50));
    const cached = await getPref<{ group: { name: string } }[]>(database(), 'group-list:nexus');
    expect(cached?.map((r) => r.group.name)).toEqual(['Admin', 'Builder', 'End-user', 'HR']);

    const opening = workspace.open('nexus', { connect: false });
    await new Promise<void>((resolve) => {
      const check = () => (workspace.cachedList ? resolve() : setTimeout(check, 1));
      check();
    });
    expect(workspace.state).toBeNull();
    const list = new GroupsList();
    expect(list.sections.custom.map((r) => r.group.name)).toEqual(['HR']);
    await opening;
    expect(workspace.cachedList).toBeNull();
    expect(list.sections.custom.map((r) => r.group.name)).toEqual(['HR']);
  });

  it('does not store the loaded state again when opening the replica', async () => {
    workspace.close();
    await new Promise((r) => setTimeout(r, 50));
    const updates = database().table('$workspaces.doc_updates');
    const before = await updates.count();
    await workspace.open('nexus', { connect: false });
    await new Promise((r) => setTimeout(r, 50));
    expect(await updates.count()).toBe(before);
    // Local changes after the load are still stored.
    await run({ type: 'group.create', name: 'Payroll' }, { summary: 'create', quiet: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(await updates.count()).toBe(before + 1);
  });

  it('stores a first sync as one row in place of the placeholder, without y-dexie reading it back', async () => {
    const db = database();
    const updates = db.table('$workspaces.doc_updates');
    const server = createWorkspaceDoc({ name: 'Fresh', slug: 'fresh' });
    const replica = await openReplica(db, 'fresh');
    const rows = () => updates.where('k').equals(replica.key).toArray();
    const [placeholder] = await rows();
    expect(placeholder).toBeDefined();
    let rereads = 0;
    const provider = DexieYProvider.for(replica.doc);
    replica.doc.on('afterTransaction', (tr) => {
      if (tr.origin === provider) rereads++;
    });
    let encoded = 0;
    replica.doc.on('updateV2', () => encoded++);
    expect(
      replica.receiveInitialState(() => Y.applyUpdate(replica.doc, Y.encodeStateAsUpdate(server), 'server')),
    ).toBe(true);
    expect(encoded).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(rereads).toBe(0);
    // Not again: the doc is no longer empty.
    expect(replica.receiveInitialState(() => {})).toBe(false);
    // A local change stores the first sync at once (in place of the placeholder), then itself as usual.
    replica.doc.getMap('meta').set('probe', 1);
    await new Promise((r) => setTimeout(r, 100));
    const stored = await rows();
    expect(stored[0]?.i).toBe(placeholder.i);
    expect(stored[0]?.u.length).toBeGreaterThan(200);
    expect(stored.length).toBe(2);
    replica.release();
    await new Promise((r) => setTimeout(r, 50));

    const reopened = await openReplica(db, 'fresh');
    expect(new DocReader(reopened.doc).state().meta.slug).toBe('fresh');
    expect(reopened.doc.getMap('meta').get('probe')).toBe(1);
    expect(reopened.receiveInitialState(() => {})).toBe(false);
    reopened.release();
  });

  it('stores a first sync in idle time when nothing else happens', async () => {
    const db = database();
    const updates = db.table('$workspaces.doc_updates');
    const replica = await openReplica(db, 'quiet');
    const server = createWorkspaceDoc({ name: 'Quiet', slug: 'quiet' });
    expect(replica.receiveInitialState(() => Y.applyUpdate(replica.doc, Y.encodeStateAsUpdate(server)))).toBe(
      true,
    );
    const size = async () => (await updates.where('k').equals(replica.key).toArray())[0]?.u.length ?? 0;
    await new Promise((r) => setTimeout(r, 100));
    expect(await size()).toBeGreaterThan(200);
    replica.release();
  });

  it('preloads only a replica this device holds, without connecting until opened', async () => {
    workspace.close();
    await new Promise((r) => setTimeout(r, 50));
    // Node 20 has no global WebSocket (Node 22 has): the ws package's is the same API.
    globalThis.WebSocket ??= (await import('ws')).WebSocket as unknown as typeof WebSocket;
    const store = new WorkspaceStore(() => 'ws://127.0.0.1:9/sync'); // nothing listens there
    await store.preload('never-opened-here');
    expect(store.slug).toBe('');
    expect(await database().workspaces.where('slug').equals('never-opened-here').count()).toBe(0);

    await store.preload('nexus');
    const opening = store.open('nexus', { connect: false });
    await opening;
    expect(store.ready).toBe(true);
    expect(store.link).toBe('offline');
    // Opening for real reuses the load and connects.
    expect(store.open('nexus')).toBe(opening);
    await new Promise((r) => setTimeout(r, 50));
    expect(store.link).not.toBe('offline');
    store.close();
  });

  it('compacts the rows a start loaded into one, from the loaded doc, without y-dexie reading it back', async () => {
    workspace.close();
    await new Promise((r) => setTimeout(r, 50));
    const db = database();
    const updates = db.table('$workspaces.doc_updates');
    const key = (await db.workspaces.where('slug').equals('nexus').last())!.key;
    const ids = (await updates.where('k').equals(key).primaryKeys()) as number[];
    expect(ids.length).toBeGreaterThan(1);
    const replica = await openReplica(db, 'nexus');
    const before = new DocReader(replica.doc).state();
    let rereads = 0;
    const provider = DexieYProvider.for(replica.doc);
    replica.doc.on('afterTransaction', (tr) => {
      if (tr.origin === provider) rereads++;
    });
    await compactRows(db, key, replica.doc, ids);
    await new Promise((r) => setTimeout(r, 100));
    expect(rereads).toBe(0);
    expect(await updates.where('k').equals(key).primaryKeys()).toEqual([Math.max(...ids)]);
    replica.release();
    await new Promise((r) => setTimeout(r, 50));

    const reopened = await openReplica(db, 'nexus');
    const after = new DocReader(reopened.doc).state();
    expect([...after.groups.values()].map((g) => g.name).sort()).toEqual(
      [...before.groups.values()].map((g) => g.name).sort(),
    );
    expect(after.users.size).toBe(before.users.size);
    reopened.release();
  });
});
