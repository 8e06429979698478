/** SSO connections, sign-in policy, flows, users' IdP groups and sign-in log: the same contract on every backend. */
import { describe, expect, it } from 'vitest';
import { SSO_SIGN_INS_KEPT, type SsoConnectionSettings } from '../../sync-server/storage/sso-store.ts';
import { storageBackends } from './backends.ts';

const settings = (more: Partial<SsoConnectionSettings> = {}): SsoConnectionSettings => ({
  name: 'Okta',
  issuer: 'https://idp.example.test',
  clientId: 'gatehouse',
  scopes: ['email', 'groups'],
  groupsClaim: 'groups',
  allowedDomains: ['acme.test'],
  authoritativeDomains: [],
  jit: true,
  jitRole: 'end-user',
  mappings: [{ idpGroup: 'Eng', groupId: 'g1', role: null, confirmedBy: null, confirmedAt: null }],
  ...more,
});

type Store = Awaited<ReturnType<ReturnType<typeof storageBackends>[number]['open']>>['storage'];
const workspace = (storage: Store, slug = 'acme') =>
  storage.createWorkspace({ slug, name: slug, initialUpdate: new Uint8Array([0, 0]) });
/** A workspace with one connection. */
async function seeded(storage: Store, clientSecret: string | null = 'x') {
  const w = await workspace(storage);
  const c = await storage.createSsoConnection({ workspaceId: w.id, settings: settings(), clientSecret });
  return { w, c };
}

describe.each(storageBackends())('SSO store on $name', (backend) => {
  it('keeps connections per workspace and never returns the secret with them', async () => {
    const { storage, reopen } = await backend.open();
    const { w, c } = await seeded(storage, 's3cret');
    const o = await workspace(storage, 'other');
    expect(c).toMatchObject({ ...settings(), hasSecret: true, workspaceId: w.id });
    expect(JSON.stringify(c)).not.toContain('s3cret');
    expect(await storage.listSsoConnections(w.id)).toEqual([c]);
    expect(await storage.listSsoConnections(o.id)).toEqual([]);
    expect(await storage.ssoConnectionById(o.id, c.id)).toBeNull();
    expect(await storage.ssoClientSecret(w.id, c.id)).toBe('s3cret');
    expect(await storage.ssoClientSecret(o.id, c.id)).toBeNull();

    const kept = await storage.updateSsoConnection(w.id, c.id, settings({ name: 'Okta EU', jit: false }));
    expect(kept).toMatchObject({ name: 'Okta EU', jit: false, hasSecret: true });
    expect(await storage.ssoClientSecret(w.id, c.id)).toBe('s3cret');
    await storage.updateSsoConnection(w.id, c.id, settings(), 'new');
    expect(await (await reopen()).ssoClientSecret(w.id, c.id)).toBe('new');
    expect(await storage.updateSsoConnection(o.id, c.id, settings())).toBeNull();
    expect(await storage.deleteSsoConnection(o.id, c.id)).toBe(false);
    expect(await storage.deleteSsoConnection(w.id, c.id)).toBe(true);
    expect(await storage.listSsoConnections(w.id)).toEqual([]);
  });

  it('password sign-in is on until turned off, per workspace', async () => {
    const { storage } = await backend.open();
    const w = await workspace(storage);
    expect(await storage.passwordSignInAllowed(w.id)).toBe(true);
    await storage.setPasswordSignIn(w.id, false);
    expect(await storage.passwordSignInAllowed(w.id)).toBe(false);
    await storage.setPasswordSignIn(w.id, true);
    expect(await storage.passwordSignInAllowed(w.id)).toBe(true);
  });

  it('a flow is taken once, and not after it expired', async () => {
    const { storage } = await backend.open();
    const { w, c } = await seeded(storage, null);
    expect(c.hasSecret).toBe(false);
    const flow = {
      workspaceId: w.id,
      connectionId: c.id,
      nonce: 'n',
      codeVerifier: 'v',
      returnTo: '/acme',
      createdAt: 100,
      expiresAt: 200,
    };
    await storage.createSsoFlow({ ...flow, stateHash: 'a' });
    await storage.createSsoFlow({ ...flow, stateHash: 'b' });
    expect(await storage.takeSsoFlow('a', 150)).toEqual({ ...flow, stateHash: 'a' });
    expect(await storage.takeSsoFlow('a', 150)).toBeNull();
    expect(await storage.takeSsoFlow('b', 200)).toBeNull();
    await storage.createSsoFlow({ ...flow, stateHash: 'c' });
    expect(await storage.deleteExpiredSsoFlows(300)).toBe(1);
  });

  it("keeps each user's last IdP groups and a bounded sign-in log, newest first", async () => {
    const { storage } = await backend.open();
    const { w, c } = await seeded(storage);
    await storage.putSsoUserGroups({ connectionId: c.id, userId: 'u1', groups: ['Eng'], at: 1 });
    await storage.putSsoUserGroups({ connectionId: c.id, userId: 'u1', groups: ['Eng', 'Ops'], at: 2 });
    expect(await storage.ssoUserGroups(c.id)).toEqual([
      { connectionId: c.id, userId: 'u1', groups: ['Eng', 'Ops'], at: 2 },
    ]);
    for (let i = 0; i < SSO_SIGN_INS_KEPT + 3; i++)
      await storage.addSsoSignIn({
        connectionId: c.id,
        at: i,
        email: 'nia@acme.test',
        userId: i % 2 ? 'u1' : null,
        outcome: 'signed-in',
        changes: [`joined ${i}`],
      });
    const log = await storage.recentSsoSignIns(c.id, 1000);
    expect(log).toHaveLength(SSO_SIGN_INS_KEPT);
    expect(log[0]).toMatchObject({ at: SSO_SIGN_INS_KEPT + 2, changes: [`joined ${SSO_SIGN_INS_KEPT + 2}`] });
    await storage.deleteSsoConnection(w.id, c.id);
    expect(await storage.recentSsoSignIns(c.id, 10)).toEqual([]);
    expect(await storage.ssoUserGroups(c.id)).toEqual([]);
  });

  it('remembers which sessions SSO started, until they expire', async () => {
    const { storage } = await backend.open();
    const now = Date.now();
    await storage.markSsoSession('h1', now + 60_000);
    expect(await storage.isSsoSession('h1', now)).toBe(true);
    expect(await storage.isSsoSession('h2', now)).toBe(false);
    expect(await storage.isSsoSession('h1', now + 60_000)).toBe(false);
  });
});
