/**
 * Single sign-on in real Chromium against a real OpenID Provider (oidc-provider on loopback, its dev
 * login page): an admin adds a connection in Workspace settings → Single sign-on and tests it; a new
 * person signs in with "Sign in with <connection>" at /nexus/login and lands in the workspace; a refused
 * sign-in says why; with password sign-in off the password form is the admins' marked break-glass; the
 * mapping editor previews who would join, leave and change role, and the seat delta, before saving.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { axe, type E2E, openSettings, startE2E, toast } from './harness.ts';

let e: E2E;
let op: TestOidcProvider;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  e = await startE2E();
  op = await startOidcProvider([
    { clientId: 'gatehouse', clientSecret: 'e2e-client-secret', redirectUris: [`${e.url}/api/sso/callback`] },
  ]);
  ({ context, page } = await e.signedIn());
}, 180_000);
afterAll(async () => {
  await context?.close();
  await op?.stop();
  await e?.close();
});

/** A fresh browser that signs in at the provider's login page as `login`. */
async function signInWithSso(login: string): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = await e.browser.newContext({ viewport: { width: 390, height: 800 } });
  const p = await ctx.newPage();
  await p.goto(`${e.url}/nexus/login`);
  await p.getByRole('link', { name: 'Sign in with Company IdP' }).click();
  await p.locator('input[name=login]').fill(login);
  await p.locator('input[name=password]').fill('any password');
  await p.getByRole('button', { name: 'Sign-in' }).click();
  return { context: ctx, page: p };
}

describe('Single sign-on', () => {
  it('an admin adds and tests a connection; a new person signs in with it and lands in the workspace', async () => {
    await openSettings(page, e.url, 'single-sign-on');
    await page.getByTestId('sso-empty').waitFor();
    expect(await axe(page), 'empty').toEqual([]);
    await page.getByTestId('sso-add').click();
    const editor = page.getByTestId('sso-editor');
    await editor.getByTestId('sso-name').fill('Company IdP');
    await editor.getByTestId('sso-issuer').fill(op.issuer);
    await editor.getByTestId('sso-client-id').fill('gatehouse');
    await editor.getByTestId('sso-client-secret').fill('e2e-client-secret');
    await editor.getByTestId('sso-domains').fill('nexus.test');
    await editor.getByTestId('sso-jit').check();
    expect(await axe(page), 'editor').toEqual([]);
    await editor.getByTestId('sso-save').click();
    await toast(page, '“Company IdP” saved');
    const card = page.getByTestId('sso-connection');
    await card.getByText('secret saved').waitFor();
    await card.getByText(`${e.url}/api/sso/callback`).waitFor();
    await card.getByTestId('sso-test').click();
    const result = card.getByTestId('sso-test-result');
    await result.getByText('The provider accepted the client id and secret').waitFor();
    expect(await result.locator('li.bad').count()).toBe(0);

    op.setPerson('kai', { email: 'kai@nexus.test', email_verified: true, name: 'Kai Sato', groups: [] });
    const kai = await signInWithSso('kai');
    await kai.page.waitForURL((u) => u.origin === e.url && u.pathname.startsWith('/nexus'));
    // An End-user lands on My access, signed in as the new user.
    await kai.page.waitForURL(`${e.url}/nexus/my-access`);
    await kai.page.getByText('Kai Sato').first().waitFor();
    await kai.context.close();

    // The admin sees the sign-in and what it changed.
    await card.getByRole('button', { name: 'Last sign-ins' }).click();
    const log = card.getByTestId('sso-sign-ins');
    await log.getByText('kai@nexus.test').waitFor();
    await log.getByText('created (end-user)').waitFor();
  });

  it('a refused sign-in says why on the sign-in page', async () => {
    op.setPerson('mallory', { email: 'mallory@elsewhere.test', email_verified: true });
    const m = await signInWithSso('mallory');
    await m.page.waitForURL(`${e.url}/nexus/login?sso_error=domain-not-allowed`);
    await m.page.getByTestId('sso-error').getByText('Your email domain may not sign in').waitFor();
    await m.context.close();
  });

  it('with password sign-in off, the password form is the admins’ break-glass', async () => {
    await page.getByTestId('sso-password-policy').uncheck();
    await page.getByText('Members must sign in with SSO.').waitFor();
    const ctx = await e.browser.newContext({ viewport: { width: 390, height: 800 } });
    const p = await ctx.newPage();
    await p.goto(`${e.url}/nexus/login`);
    await p.getByRole('link', { name: 'Sign in with Company IdP' }).waitFor();
    const glass = p.getByTestId('break-glass');
    await glass.getByText('Admins only: break-glass sign-in with a password').click();
    expect(await axe(p), 'sign-in page').toEqual([]);
    // 390 px: nothing overflows sideways.
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await glass.getByLabel('Email').fill('ada@nexus.test');
    await glass.getByLabel('Password').fill('correct horse battery');
    await glass.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL((u) => u.pathname.startsWith('/nexus') && !u.pathname.endsWith('/login'));
    await ctx.close();
    await page.getByTestId('sso-password-policy').check();
  });

  it('the mapping editor previews who joins, leaves and changes role, and the seat delta, before saving; removing a mapping asks, then removes its memberships', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['Ops', 'Platform']) {
      const g = await e.api<{ group: { id: string } }>(
        'POST',
        '/api/workspaces/nexus/groups',
        { name },
        e.adminToken,
      );
      expect(g.status).toBe(201);
      ids[name] = g.body.group.id;
    }
    const card = page.getByTestId('sso-connection');
    const editor = page.getByTestId('sso-editor');
    const row = editor.locator('.mapping').first();
    // Map IdP group "eng" to Ops and save; Kai signs in with "eng" and joins Ops.
    await card.getByRole('button', { name: 'Edit' }).click();
    await editor.getByRole('button', { name: '+ Add mapping' }).click();
    await row.getByLabel('IdP group').fill('eng');
    await row.getByLabel('Gatehouse group').selectOption({ label: 'Ops' });
    await editor.getByTestId('sso-save').click();
    await toast(page, '“Company IdP” saved');
    op.setPerson('kai', { email: 'kai@nexus.test', email_verified: true, name: 'Kai Sato', groups: ['eng'] });
    const kai = await signInWithSso('kai');
    await kai.page.waitForURL(`${e.url}/nexus/my-access`);
    await kai.context.close();

    // Ops now follows another IdP group, and "eng" maps to Platform with a Builder role: the preview says
    // what would change for Kai (from the groups of their last sign-in), and nothing is saved.
    await card.getByRole('button', { name: 'Edit' }).click();
    await row.getByLabel('IdP group').fill('ops-team');
    await editor.getByRole('button', { name: '+ Add mapping' }).click();
    const second = editor.locator('.mapping').nth(1);
    await second.getByLabel('IdP group').fill('eng');
    await second.getByLabel('Gatehouse group').selectOption({ label: 'Platform' });
    await second.getByLabel('Role').selectOption({ label: 'At least builder' });
    await editor.getByTestId('sso-preview').click();
    const impact = editor.getByTestId('sso-impact');
    await impact.getByText('kai@nexus.test leaves Ops').waitFor();
    await impact.getByText('kai@nexus.test joins Platform').waitFor();
    await impact.getByText('kai@nexus.test: End-user → Builder').waitFor();
    await impact
      .getByTestId('sso-seat-delta')
      .getByText(/Paid seats: \d+ → \d+ \(\+1\)/)
      .waitFor();
    await impact.getByTestId('sso-held').getByText('1 upgrade will wait as conflicts').waitFor();
    expect(await axe(page), 'impact preview').toEqual([]);
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await editor.waitFor({ state: 'hidden' });
    // Previewing saved nothing: the one mapping is still "eng" → Ops and Kai is still an End-user.
    const list = await e.api<{ connections: { mappings: { idpGroup: string; role: string | null }[] }[] }>(
      'GET',
      '/api/workspaces/nexus/sso/connections',
      undefined,
      e.adminToken,
    );
    expect(list.body.connections[0]?.mappings.map((m) => [m.idpGroup, m.role])).toEqual([['eng', null]]);
    const users = await e.api<{ users: { email: string; role: string }[] }>(
      'GET',
      '/api/workspaces/nexus/users',
      undefined,
      e.adminToken,
    );
    expect(users.body.users.find((u) => u.email === 'kai@nexus.test')?.role).toBe('end-user');

    // Removing the mapping: saving shows and asks about the membership it removes, then removes it.
    const opsMembers = async () =>
      (
        await e.api<{ group: { members: string[] } }>(
          'GET',
          `/api/workspaces/nexus/groups/${ids.Ops}`,
          undefined,
          e.adminToken,
        )
      ).body.group.members.length;
    expect(await opsMembers()).toBe(1);
    await card.getByRole('button', { name: 'Edit' }).click();
    await editor.getByRole('button', { name: 'Remove mapping 1' }).click();
    await editor.getByTestId('sso-save').click();
    const ask = page.getByTestId('confirm-dialog');
    await ask.getByText('kai@nexus.test leaves Ops (mapping removed)').waitFor();
    await ask.getByRole('button', { name: 'Save and remove' }).click();
    await toast(page, '“Company IdP” saved; 1 membership of unmapped groups removed');
    await expect.poll(opsMembers, { timeout: 15_000 }).toBe(0);
  });
});
