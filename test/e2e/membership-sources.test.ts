/**
 * Membership sources in the admin app, real Chromium (issue 13): a SCIM connection's members show
 * "SCIM: <connection name>" on the group's Users tab and on the Users page, a hand-added member shows no
 * badge; removing a connection-owned member by hand says it comes back at the next sync and offers the
 * connection's page instead (Cancel keeps them; Remove anyway removes); a manual member is removed as before.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E, toast } from './harness.ts';

let e: E2E;
let context: BrowserContext;
let page: Page;
let groupId: string;
let scimUser: string;

const SCIM = '/api/workspaces/nexus/scim/v2';

beforeAll(async () => {
  e = await startE2E();
  const c = await e.api<{ connection: { id: string } }>(
    'POST',
    '/api/workspaces/nexus/scim-connections',
    { name: 'Okta' },
    e.adminToken,
  );
  expect(c.status).toBe(201);
  const tk = await e.api<{ secret: string }>(
    'POST',
    `/api/workspaces/nexus/scim-connections/${c.body.connection.id}/tokens`,
    undefined,
    e.adminToken,
  );
  expect(tk.status).toBe(201);
  const scim = async (method: string, path: string, body: unknown) => {
    const r = await fetch(e.url + SCIM + path, {
      method,
      headers: { authorization: `Bearer ${tk.body.secret}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(201);
    return (await r.json()) as { id: string };
  };
  scimUser = (
    await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'sam@nexus.test',
      name: { givenName: 'Sam', familyName: 'Scim' },
      emails: [{ value: 'sam@nexus.test', type: 'work', primary: true }],
      active: true,
    })
  ).id;
  groupId = (
    await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Finance',
      members: [{ value: scimUser }],
    })
  ).id;
  const manual = await e.addUser('max@nexus.test', 'end-user', 'Max Manual');
  const add = await e.api(
    'POST',
    `/api/workspaces/nexus/groups/${groupId}/members`,
    { userIds: [manual] },
    e.adminToken,
  );
  expect(add.status).toBeLessThan(300);
  ({ context, page } = await e.signedIn());
}, 180_000);
afterAll(async () => {
  await context?.close();
  await e?.close();
});

const row = (email: string) => page.locator('.vrow').filter({ hasText: email });

describe('membership sources', () => {
  it('badges SCIM-owned members on the Users page and the group, and warns before a manual removal', async () => {
    await openSettings(page, e.url, 'users');
    await expect
      .poll(() => row('sam@nexus.test').getByTestId('user-source').textContent())
      .toBe('SCIM: Okta');
    expect(await row('max@nexus.test').getByTestId('user-source').count()).toBe(0);

    await openSettings(page, e.url, `groups/${groupId}/users`);
    const sam = row('sam@nexus.test');
    await expect.poll(() => sam.getByTestId('member-source').textContent()).toBe('SCIM: Okta');
    expect(await row('max@nexus.test').getByTestId('member-source').count()).toBe(0);

    // Removing Sam by hand: the dialog says it comes back; Cancel keeps Sam.
    await sam.getByRole('button', { name: 'Remove sam@nexus.test from Finance' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    const message = await dialog.getByTestId('confirm-message').textContent();
    expect(message).toContain('through SCIM: Okta');
    expect(message).toContain('comes back at the connection');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await sam.count()).toBe(1);

    // Unmap instead: the link goes to Provisioning and removes nobody.
    await sam.getByRole('button', { name: 'Remove sam@nexus.test from Finance' }).click();
    await dialog.getByTestId('confirm-link').filter({ hasText: 'Unmap on Provisioning' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/nexus/workspace-settings/provisioning');
    await page.getByTestId('scim-connection').getByRole('heading', { name: 'Okta' }).waitFor();
    await page.goBack();
    await sam.waitFor();

    // A manual member leaves without the warning; Remove anyway removes a SCIM-owned one.
    await row('max@nexus.test').getByRole('button', { name: 'Remove max@nexus.test from Finance' }).click();
    await toast(page, 'User removed from the group');
    expect(await dialog.count()).toBe(0);
    await sam.getByRole('button', { name: 'Remove sam@nexus.test from Finance' }).click();
    await dialog.getByRole('button', { name: 'Remove anyway' }).click();
    await expect.poll(() => sam.count()).toBe(0);
  });
});
