/** Invitations and password resets: single-use links claimed atomically, on every backend. */
import { describe, expect, it } from 'vitest';
import { storageBackends } from './backends.ts';

describe.each(storageBackends())('invitation and reset store on $name', (backend) => {
  it('creates an invitation (email lower-cased) and finds it by token hash', async () => {
    const { storage } = await backend.open();
    const w = await storage.createWorkspace({
      slug: 'acme',
      name: 'Acme',
      initialUpdate: new Uint8Array([0, 0]),
    });
    const inv = await storage.createInvitation({
      workspaceId: w.id,
      userId: 'u1',
      email: 'Nia@X.test',
      tokenHash: 'inv1',
      expiresAt: Date.now() + 60_000,
    });
    expect(inv.email).toBe('nia@x.test');
    expect(inv.acceptedAt).toBeNull();
    expect(await storage.invitationByTokenHash('inv1')).toEqual(inv);
    expect(await storage.invitationByTokenHash('nope')).toBeNull();
    await storage.markInvitationAccepted(inv.id, 777);
    expect((await storage.invitationByTokenHash('inv1'))!.acceptedAt).toBe(777);
  });

  it('lets exactly one of concurrent callers claim an invitation; a release gives it back', async () => {
    const { storage } = await backend.open();
    const w = await storage.createWorkspace({
      slug: 'acme',
      name: 'Acme',
      initialUpdate: new Uint8Array([0, 0]),
    });
    const inv = await storage.createInvitation({
      workspaceId: w.id,
      userId: 'u1',
      email: 'nia@x.test',
      tokenHash: 'inv1',
      expiresAt: Date.now() + 60_000,
    });
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => storage.claimInvitation(inv.id, 100 + i)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await storage.claimInvitation(inv.id, 200)).toBe(false);
    await storage.releaseInvitation(inv.id);
    expect((await storage.invitationByTokenHash('inv1'))!.acceptedAt).toBeNull();
    expect(await storage.claimInvitation(inv.id, 300)).toBe(true);
    expect((await storage.invitationByTokenHash('inv1'))!.acceptedAt).toBe(300);
  });

  it('keeps one live reset link per account, used exactly once', async () => {
    const { storage } = await backend.open();
    const a = await storage.createAccount({ email: 'ana@x.test', name: 'Ana', passwordHash: null });
    const admin = await storage.createAccount({ email: 'adm@x.test', name: 'Adm', passwordHash: null });
    const first = await storage.createPasswordReset({
      accountId: a.id,
      secretHash: 'sh1',
      createdBy: admin.id,
      expiresAt: Date.now() + 60_000,
    });
    expect(await storage.passwordResetById(first.id)).toEqual(first);
    const second = await storage.createPasswordReset({
      accountId: a.id,
      secretHash: 'sh2',
      createdBy: null,
      expiresAt: Date.now() + 60_000,
    });
    expect(await storage.passwordResetById(first.id)).toBeNull(); // the unused one went
    expect(await storage.passwordResetById(second.id)).toEqual(second);
    const uses = await Promise.all(Array.from({ length: 6 }, () => storage.usePasswordReset(second.id, 999)));
    expect(uses.filter(Boolean)).toHaveLength(1);
    expect((await storage.passwordResetById(second.id))!.usedAt).toBe(999);
    // A used link stays (for its "already used" answer) when a new one is issued.
    const third = await storage.createPasswordReset({
      accountId: a.id,
      secretHash: 'sh3',
      createdBy: admin.id,
      expiresAt: Date.now() + 60_000,
    });
    expect(await storage.passwordResetById(second.id)).not.toBeNull();
    expect(await storage.usePasswordReset(third.id, 1)).toBe(true);
    expect(await storage.usePasswordReset('nope', 1)).toBe(false);
    await storage.deleteAccount(a.id);
    expect(await storage.passwordResetById(third.id)).toBeNull();
  });
});
