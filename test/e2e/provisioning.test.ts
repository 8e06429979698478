/**
 * Workspace settings → Provisioning in real Chromium (issue 13): add a SCIM connection, create its token
 * (shown once, Copy), see the identity provider's requests with their outcome, let it upgrade roles only
 * after confirming, revoke the token (the IdP is refused at once); empty states, axe, 390 px.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, type E2E, openSettings, startE2E, toast } from './harness.ts';

let e: E2E;
let context: BrowserContext;
let page: Page;
const SCIM = '/api/workspaces/nexus/scim/v2';

beforeAll(async () => {
  e = await startE2E();
  ({ context, page } = await e.signedIn());
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e.url });
}, 180_000);
afterAll(async () => {
  await context?.close();
  await e?.close();
});

const scim = (method: string, path: string, token: string, body?: unknown) =>
  fetch(e.url + SCIM + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const user = (email: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: email,
  emails: [{ value: email, type: 'work', primary: true }],
  active: true,
});

describe('Provisioning', () => {
  it('adds a connection, shows its token once, lists the IdP’s requests, and revokes the token', async () => {
    await openSettings(page, e.url, 'provisioning');
    await page.getByTestId('scim-empty').waitFor();
    expect(await axe(page), 'empty').toEqual([]);
    await page.getByTestId('scim-connection-name').fill('Entra ID');
    await page.keyboard.press('Enter');
    const card = page.getByTestId('scim-connection');
    await card.getByRole('heading', { name: 'Entra ID' }).waitFor();
    expect(await card.getByTestId('scim-base-url').inputValue()).toBe(`${e.url}${SCIM}`);
    await card.getByTestId('scim-no-tokens').waitFor();
    await card.getByTestId('scim-no-requests').waitFor();

    await card.getByTestId('create-scim-token').click();
    const dialog = page.getByTestId('scim-token-dialog');
    const secret = await dialog.getByTestId('scim-token-secret').inputValue();
    expect(secret).toMatch(/^ghscim_[\w-]{40,}$/);
    await dialog.getByTestId('copy-scim-token').click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    expect(await axe(page), 'token dialog').toEqual([]);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await card.getByRole('button', { name: 'Revoke' }).waitFor();
    expect(await page.locator('body').textContent()).not.toContain(secret); // shown once

    // The IdP provisions someone, then sends a duplicate: both show with their outcome.
    expect((await scim('POST', '/Users', secret, user('nia@nexus.test'))).status).toBe(201);
    expect((await scim('POST', '/Users', secret, user('nia@nexus.test'))).status).toBe(409);
    await card.getByRole('button', { name: 'Refresh the requests of Entra ID' }).click();
    const rows = card.getByTestId('scim-requests').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const texts = await rows.allTextContents();
    expect(texts[0]).toContain('409');
    expect(texts[1]).toMatch(/POST \/Users.*201.*created nia@nexus\.test/);

    // Revoke asks first; the IdP is refused from its next request.
    await card.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await toast(page, 'Token revoked');
    await card.getByTestId('scim-no-tokens').waitFor();
    expect((await scim('GET', '/Users', secret)).status).toBe(401);
  });

  it('lets the connection upgrade roles only after the admin confirms', async () => {
    const box = page.getByTestId('scim-may-upgrade');
    await box.click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText('may make End-users Builders').waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await box.isChecked()).toBe(false);
    await box.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Allow upgrades' }).click();
    await toast(page, 'may upgrade roles');
    await expect.poll(() => box.isChecked()).toBe(true);
    const list = await e.api<{ connections: { mayUpgradeRoles: boolean }[] }>(
      'GET',
      '/api/workspaces/nexus/scim-connections',
      undefined,
      e.adminToken,
    );
    expect(list.body.connections[0]!.mayUpgradeRoles).toBe(true);
  });

  it('fits a 390 px phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openSettings(page, e.url, 'provisioning');
    await page.getByTestId('scim-requests').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(391);
    expect(await axe(page), '390 px').toEqual([]);
  });
});
