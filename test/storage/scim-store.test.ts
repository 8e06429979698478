/** SCIM connections, tokens, links and request log: the same contract on every backend. */
import { describe, expect, it } from 'vitest';
import { StorageConflictError } from '../../sync-server/storage/errors.ts';
import { SCIM_REQUESTS_KEPT, type ScimLink } from '../../sync-server/storage/scim-store.ts';
import { storageBackends } from './backends.ts';

const workspace = (
  storage: Awaited<ReturnType<ReturnType<typeof storageBackends>[number]['open']>>['storage'],
  slug = 'acme',
) => storage.createWorkspace({ slug, name: slug, initialUpdate: new Uint8Array([0, 0]) });

const link = (connectionId: string, resourceId: string, more: Partial<ScimLink> = {}): ScimLink => ({
  connectionId,
  kind: 'user',
  resourceId,
  externalId: `ext-${resourceId}`,
  userName: `${resourceId}@x.test`,
  attributes: { givenName: 'Nia' },
  createdAt: 1,
  updatedAt: 2,
  ...more,
});

describe.each(storageBackends())('SCIM store on $name', (backend) => {
  it('keeps connections per workspace; the upgrade setting records who confirmed it', async () => {
    const { storage, reopen } = await backend.open();
    const w = await workspace(storage);
    const other = await workspace(storage, 'other');
    const c = await storage.createScimConnection({ workspaceId: w.id, name: 'Entra' });
    expect(c.mayUpgradeRoles).toBe(false);
    expect(await storage.listScimConnections(w.id)).toEqual([c]);
    expect(await storage.listScimConnections(other.id)).toEqual([]);
    expect(await storage.scimConnectionById(other.id, c.id)).toBeNull();
    const on = await storage.updateScimConnection(w.id, c.id, {
      name: 'Entra ID',
      mayUpgradeRoles: { value: true, by: 'acc1', at: 50 },
    });
    expect(on).toMatchObject({
      name: 'Entra ID',
      mayUpgradeRoles: true,
      upgradeConfirmedBy: 'acc1',
      upgradeConfirmedAt: 50,
    });
    const off = await storage.updateScimConnection(w.id, c.id, {
      mayUpgradeRoles: { value: false, by: 'acc2', at: 60 },
    });
    expect(off).toMatchObject({ mayUpgradeRoles: false, upgradeConfirmedBy: null, upgradeConfirmedAt: null });
    expect(await storage.updateScimConnection(other.id, c.id, { name: 'x' })).toBeNull();
    expect((await (await reopen()).scimConnectionById(w.id, c.id))?.name).toBe('Entra ID');
  });

  it('finds a token by its hash only; revoking and deleting the connection end it', async () => {
    const { storage } = await backend.open();
    const w = await workspace(storage);
    const c = await storage.createScimConnection({ workspaceId: w.id, name: 'Okta' });
    const t = await storage.createScimToken({ connectionId: c.id, workspaceId: w.id, tokenHash: 'h1' });
    const t2 = await storage.createScimToken({ connectionId: c.id, workspaceId: w.id, tokenHash: 'h2' });
    expect(await storage.scimTokenByHash('h1')).toEqual(t);
    expect(await storage.scimTokenByHash('nope')).toBeNull();
    await expect(
      storage.createScimToken({ connectionId: c.id, workspaceId: w.id, tokenHash: 'h1' }),
    ).rejects.toBeInstanceOf(StorageConflictError);
    await storage.touchScimToken(t.id, 99);
    expect((await storage.scimTokenByHash('h1'))?.lastUsedAt).toBe(99);
    expect((await storage.listScimTokens(w.id, c.id)).map((x) => x.id).sort()).toEqual([t.id, t2.id].sort());
    expect(await storage.deleteScimToken(w.id, c.id, t.id)).toBe(true);
    expect(await storage.deleteScimToken(w.id, c.id, t.id)).toBe(false);
    expect(await storage.scimTokenByHash('h1')).toBeNull();
    expect(await storage.deleteScimConnection(w.id, c.id)).toBe(true);
    expect(await storage.scimTokenByHash('h2')).toBeNull();
  });

  it('links resources: upserts, lookups by externalId and userName, unique per connection', async () => {
    const { storage } = await backend.open();
    const w = await workspace(storage);
    const a = await storage.createScimConnection({ workspaceId: w.id, name: 'A' });
    const b = await storage.createScimConnection({ workspaceId: w.id, name: 'B' });
    await storage.putScimLink(link(a.id, 'u1'));
    await storage.putScimLink(link(a.id, 'u2', { externalId: null, userName: null }));
    await storage.putScimLink(link(a.id, 'u3', { externalId: null, userName: null }));
    await storage.putScimLink(link(b.id, 'u1')); // another connection may use the same names
    await storage.putScimLink(link(a.id, 'g1', { kind: 'group', externalId: 'ext-u1', userName: null }));
    expect(await storage.scimLinkByExternalId(a.id, 'user', 'ext-u1')).toEqual(link(a.id, 'u1'));
    expect((await storage.scimLinkByExternalId(a.id, 'group', 'ext-u1'))?.resourceId).toBe('g1');
    expect((await storage.scimLinkByUserName(a.id, 'u1@x.test'))?.resourceId).toBe('u1');
    await expect(
      storage.putScimLink(link(a.id, 'u4', { externalId: 'ext-u1', userName: null })),
    ).rejects.toBeInstanceOf(StorageConflictError);
    await storage.putScimLink(
      link(a.id, 'u1', { externalId: 'new', attributes: { familyName: 'Ode' }, updatedAt: 9 }),
    );
    const [u1] = await storage.scimLinks(a.id, 'user', ['u1']);
    expect(u1).toMatchObject({
      externalId: 'new',
      attributes: { familyName: 'Ode' },
      createdAt: 1,
      updatedAt: 9,
    });
    expect((await storage.scimLinks(a.id, 'user')).map((l) => l.resourceId).sort()).toEqual([
      'u1',
      'u2',
      'u3',
    ]);
    expect(await storage.scimLinks(a.id, 'user', [])).toEqual([]);
    await storage.deleteScimLink(a.id, 'user', 'u1');
    expect(await storage.scimLinkByExternalId(a.id, 'user', 'new')).toBeNull();
    await storage.deleteScimConnection(w.id, b.id);
    expect(await storage.scimLinks(b.id, 'user')).toEqual([]);
  });

  it('keeps the newest requests of each connection', async () => {
    const { storage } = await backend.open();
    const w = await workspace(storage);
    const c = await storage.createScimConnection({ workspaceId: w.id, name: 'A' });
    for (let i = 0; i < SCIM_REQUESTS_KEPT + 5; i++)
      await storage.addScimRequest({
        connectionId: c.id,
        at: i,
        method: 'GET',
        path: '/Users',
        status: 200,
        outcome: `r${i}`,
      });
    const recent = await storage.recentScimRequests(c.id, 1000);
    expect(recent).toHaveLength(SCIM_REQUESTS_KEPT);
    expect(recent[0]).toMatchObject({
      at: SCIM_REQUESTS_KEPT + 4,
      outcome: `r${SCIM_REQUESTS_KEPT + 4}`,
      status: 200,
    });
    expect((await storage.recentScimRequests(c.id, 3)).map((r) => r.at)).toEqual([
      SCIM_REQUESTS_KEPT + 4,
      SCIM_REQUESTS_KEPT + 3,
      SCIM_REQUESTS_KEPT + 2,
    ]);
  });
});
