/** Workspaces, memberships, `joined` facts and the audit log: the contract on every backend. */
import { describe, expect, it } from 'vitest';
import type { AuditEntryInput } from '../../sync-server/storage/audit-store.ts';
import { StorageConflictError } from '../../sync-server/storage/errors.ts';
import type { Membership } from '../../sync-server/storage/workspace-store.ts';
import { storageBackends } from './backends.ts';

const INITIAL = new Uint8Array([0, 0]);

describe.each(storageBackends())('workspace store on $name', (backend) => {
  it('creates workspaces with unique slugs; finds, lists and renames them', async () => {
    const { storage } = await backend.open();
    const a = await storage.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: INITIAL });
    await new Promise((r) => setTimeout(r, 2));
    const b = await storage.createWorkspace({ slug: 'beta', name: 'Beta', initialUpdate: INITIAL });
    await expect(
      storage.createWorkspace({ slug: 'acme', name: 'Again', initialUpdate: INITIAL }),
    ).rejects.toBeInstanceOf(StorageConflictError);
    expect(await storage.workspaceBySlug('acme')).toEqual(a);
    expect(await storage.workspaceById(b.id)).toEqual(b);
    expect(await storage.workspaceBySlug('nope')).toBeNull();
    expect(await storage.workspaceById('nope')).toBeNull();
    expect(await storage.listWorkspaces()).toEqual([a, b]);
    await storage.renameWorkspace(a.id, 'Acme Inc');
    expect((await storage.workspaceBySlug('acme'))!.name).toBe('Acme Inc');
    expect((await storage.workspaceById(a.id))!.name).toBe('Acme Inc');
  });

  it('projects memberships: upserts, removals, lookup by lower-cased email across workspaces', async () => {
    const { storage } = await backend.open();
    const a = await storage.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: INITIAL });
    const b = await storage.createWorkspace({ slug: 'beta', name: 'Beta', initialUpdate: INITIAL });
    const m = (workspaceId: string, userId: string, role: Membership['role']): Membership => ({
      workspaceId,
      userId,
      email: 'nia@x.test',
      role,
      status: 'active',
    });
    await storage.setMemberships(a.id, [m(a.id, 'u1', 'admin'), m(a.id, 'u2', 'builder')], []);
    await storage.setMemberships(b.id, [m(b.id, 'u9', 'end-user')], []);
    const sorted = async () =>
      (await storage.membershipsOfEmail('NIA@x.test')).sort((x, y) => x.userId.localeCompare(y.userId));
    expect(await sorted()).toEqual([
      m(a.id, 'u1', 'admin'),
      m(a.id, 'u2', 'builder'),
      m(b.id, 'u9', 'end-user'),
    ]);
    await storage.setMemberships(a.id, [{ ...m(a.id, 'u1', 'end-user'), status: 'archived' }], ['u2']);
    expect(await sorted()).toEqual([
      { ...m(a.id, 'u1', 'end-user'), status: 'archived' },
      m(b.id, 'u9', 'end-user'),
    ]);
    await storage.setMemberships(a.id, [], ['u1', 'not-there']);
    expect(await sorted()).toEqual([m(b.id, 'u9', 'end-user')]);
  });

  it('records who joined, once', async () => {
    const { storage } = await backend.open();
    const w = await storage.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: INITIAL });
    expect(await storage.hasJoined(w.id, 'acc', 'u1')).toBe(false);
    await storage.recordJoined({ workspaceId: w.id, accountId: 'acc', userId: 'u1', at: 1 });
    await storage.recordJoined({ workspaceId: w.id, accountId: 'acc', userId: 'u1', at: 2 });
    expect(await storage.hasJoined(w.id, 'acc', 'u1')).toBe(true);
    expect(await storage.hasJoined(w.id, 'acc', 'u2')).toBe(false);
    expect(await storage.hasJoined(w.id, 'other', 'u1')).toBe(false);
  });
});

describe.each(storageBackends())('audit store on $name', (backend) => {
  const entry = (workspaceId: string, i: number, over: Partial<AuditEntryInput> = {}): AuditEntryInput => ({
    workspaceId,
    at: 1_000 + i,
    actorId: i % 2 ? 'acc-odd' : 'acc-even',
    actorEmail: i % 2 ? 'odd@x.test' : 'even@x.test',
    actorName: 'Someone',
    source: 'api',
    action: 'group.rename',
    entities: [{ collection: 'groups', id: `g${i}`, name: `Group ${i}`, fields: ['name'] }],
    summary: `entry ${i}`,
    ...over,
  });

  it('pages newest first and filters by actor, entity, time and cursor', async () => {
    const { storage } = await backend.open();
    const w = await storage.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: INITIAL });
    const other = await storage.createWorkspace({ slug: 'beta', name: 'Beta', initialUpdate: INITIAL });
    await storage.addAudit(Array.from({ length: 10 }, (_, i) => entry(w.id, i)));
    await storage.addAudit([entry(other.id, 99)]);
    const all = await storage.queryAudit({ workspaceId: w.id, limit: 100 });
    expect(all.map((e) => e.summary)).toEqual(Array.from({ length: 10 }, (_, i) => `entry ${9 - i}`));
    expect(all[0]).toMatchObject({ ...entry(w.id, 9), id: expect.any(Number) });
    const page = await storage.queryAudit({ workspaceId: w.id, limit: 3, before: all[2]!.id });
    expect(page.map((e) => e.summary)).toEqual(['entry 6', 'entry 5', 'entry 4']);
    expect((await storage.queryAudit({ workspaceId: w.id, actor: 'acc-odd', limit: 100 })).length).toBe(5);
    expect((await storage.queryAudit({ workspaceId: w.id, actor: 'ODD@x.test', limit: 100 })).length).toBe(5);
    expect(
      (await storage.queryAudit({ workspaceId: w.id, entity: 'g3', limit: 100 })).map((e) => e.summary),
    ).toEqual(['entry 3']);
    expect((await storage.queryAudit({ workspaceId: w.id, entity: 'groups', limit: 100 })).length).toBe(10);
    expect((await storage.queryAudit({ workspaceId: w.id, entity: 'g', limit: 100 })).length).toBe(0);
    const window = await storage.queryAudit({ workspaceId: w.id, from: 1_002, to: 1_004, limit: 100 });
    expect(window.map((e) => e.summary)).toEqual(['entry 4', 'entry 3', 'entry 2']);
  });

  it('finds recent entries touching entity ids, the server’s own left out', async () => {
    const { storage } = await backend.open();
    const w = await storage.createWorkspace({ slug: 'acme', name: 'Acme', initialUpdate: INITIAL });
    await storage.addAudit([
      entry(w.id, 1),
      entry(w.id, 2),
      entry(w.id, 3, {
        source: 'server',
        action: 'repair',
        entities: [{ collection: 'groups', id: 'g1', fields: [] }],
      }),
      entry(w.id, 4, { entities: [{ collection: 'users', id: 'g1x', fields: [] }] }),
    ]);
    const found = await storage.recentAuditFor(w.id, ['g1', 'g2'], 0, 10);
    expect(found.map((e) => e.summary)).toEqual(['entry 2', 'entry 1']);
    expect(await storage.recentAuditFor(w.id, ['g1'], 1_002, 10)).toEqual([]);
    expect((await storage.recentAuditFor(w.id, ['g1', 'g2'], 0, 1)).map((e) => e.summary)).toEqual([
      'entry 2',
    ]);
    expect(await storage.recentAuditFor(w.id, [], 0, 10)).toEqual([]);
  });
});
