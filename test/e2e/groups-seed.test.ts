/**
 * Every step of seed/custom-groups.md in real Chromium against the real server: ⚙️ → Workspace Settings →
 * Groups; create; users, permissions (role-change dialog: Cancel changes nothing, Confirm upgrades),
 * granular access; duplicate (parts); delete; default-group restrictions; XSS names as text.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E, toast } from './harness.ts';

let e: E2E;
let page: Page;

interface UserJson {
  email: string;
  role: string;
}

async function roleOf(email: string): Promise<string | undefined> {
  const r = await e.api<{ users?: UserJson[] } | UserJson[]>(
    'GET',
    '/api/workspaces/nexus/users',
    undefined,
    e.adminToken,
  );
  const list = Array.isArray(r.body) ? r.body : (r.body.users ?? []);
  return list.find((u) => u.email === email)?.role;
}

async function createGroup(name: string) {
  await page.getByRole('button', { name: '+ Create new group' }).click();
  const dialog = page.getByTestId('create-group-dialog');
  await dialog.getByLabel('Group name').fill(name);
  await dialog.getByRole('button', { name: 'Create Group' }).click();
  await toast(page, 'Group has been created');
  await page.getByTestId('group-title').filter({ hasText: name }).waitFor();
}

async function kebab(groupName: string, action: 'Duplicate' | 'Delete') {
  await page
    .getByTestId('group-row')
    .filter({ has: page.getByRole('link', { name: groupName, exact: true }) })
    .getByRole('button', { name: `Actions for ${groupName}` })
    .click();
  await page.getByRole('menuitem', { name: action }).click();
}

beforeAll(async () => {
  e = await startE2E();
  await e.addUser('eve@nexus.test', 'end-user', 'Eve Everyone');
  await e.addUser('ben@nexus.test', 'builder', 'Ben Builder');
  ({ page } = await e.signedIn());
});

afterAll(async () => {
  await e?.close();
});

describe('seed: custom groups', () => {
  it('reaches Groups from the ⚙️ settings entry at the bottom left of the dashboard', async () => {
    await page.goto(`${e.url}/nexus`);
    const entry = page.getByTestId('settings-entry');
    await expect(entry.textContent()).resolves.toContain('⚙️');
    const box = await entry.boundingBox();
    expect(box!.x).toBeLessThan(250);
    expect(box!.y).toBeGreaterThan(500);
    await entry.click();
    await page.waitForURL(/\/nexus\/workspace-settings\/groups$/);
    await page.getByRole('heading', { name: 'User roles' }).waitFor();
    await page.getByRole('heading', { name: 'Custom groups' }).waitFor();
  });

  it('checks the name as you type and creates the group', async () => {
    await openSettings(page, e.url);
    await page.getByRole('button', { name: '+ Create new group' }).click();
    const dialog = page.getByTestId('create-group-dialog');
    const input = dialog.getByLabel('Group name');
    const create = dialog.getByRole('button', { name: 'Create Group' });
    await input.fill('Admin');
    await expect(dialog.getByTestId('name-error').textContent()).resolves.toContain('reserved');
    expect(await create.isDisabled()).toBe(true);
    await input.fill('x'.repeat(51));
    await expect(dialog.getByTestId('name-error').textContent()).resolves.toContain('at most 50');
    await input.fill('   ');
    await expect(dialog.getByTestId('name-error').textContent()).resolves.toContain('empty');
    await input.fill('Finance');
    expect(await create.isDisabled()).toBe(false);
    await create.click();
    await toast(page, 'Group has been created');
    await page.getByTestId('group-title').filter({ hasText: 'Finance' }).waitFor();
    expect(page.url()).toMatch(/\/nexus\/workspace-settings\/groups\/[^/]+/);
    // Same name, other case: refused live.
    await openSettings(page, e.url);
    await page.getByRole('button', { name: '+ Create new group' }).click();
    await page.getByTestId('create-group-dialog').getByLabel('Group name').fill('FINANCE');
    await expect(page.getByTestId('name-error').textContent()).resolves.toContain('already exists');
    await page.keyboard.press('Escape');
    await page.getByTestId('create-group-dialog').waitFor({ state: 'detached' });
  });

  it('searches the list', async () => {
    await openSettings(page, e.url);
    await page.getByTestId('group-search').fill('fin');
    await expect(page.getByTestId('group-row').count()).resolves.toBe(1);
    await page.getByTestId('group-search').fill('');
    await expect(page.getByTestId('group-row').count()).resolves.toBe(4);
  });

  it('adds users; a builder-level permission asks first: Cancel changes nothing, Confirm upgrades', async () => {
    await openSettings(page, e.url);
    await page.getByRole('link', { name: 'Finance', exact: true }).click();
    await page.getByTestId('add-user-search').fill('eve');
    const pick = page.getByRole('checkbox', { name: /Eve Everyone/ });
    // The checkbox sits next to the name (it was once stretched to the card's full width).
    expect((await pick.boundingBox())?.width).toBeLessThan(40);
    await pick.check();
    await page.getByTestId('add-users-button').click();
    await toast(page, 'Users added to the group');
    await page.getByTestId('member-row').filter({ hasText: 'Eve Everyone' }).waitFor();

    await page.getByRole('tab', { name: 'Permissions' }).click();
    const flag = page.getByTestId('flag-appCreate');
    await flag.check();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    await expect(dialog.getByTestId('affected-users').textContent()).resolves.toContain('eve@nexus.test');
    await expect(dialog.getByTestId('builder-delta').textContent()).resolves.toMatch(/\+1/);
    await expect(dialog.getByTestId('confirm-message').textContent()).resolves.toContain('role change');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await flag.isChecked()).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(await roleOf('eve@nexus.test')).toBe('end-user');

    await flag.check();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Confirm' }).click();
    await toast(page, 'Group permissions updated');
    expect(await flag.isChecked()).toBe(true);
    await expect.poll(() => roleOf('eve@nexus.test'), { timeout: 5000 }).toBe('builder');
  });

  it('adds, edits and removes granular access', async () => {
    // An app to grant.
    await openSettings(page, e.url, 'apps');
    await page.getByTestId('create-resource').click();
    const rd = page.getByTestId('resource-dialog');
    await rd.getByLabel('Name').fill('Payroll');
    await rd.getByLabel(/URL patterns/).fill('not a url');
    await expect(rd.locator('.error-text').first().textContent()).resolves.toContain('not a url');
    await rd.getByLabel(/URL patterns/).fill('https://payroll.corp.com/*');
    await rd.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('resource-row').filter({ hasText: 'Payroll' }).waitFor();

    await openSettings(page, e.url);
    await page.getByRole('link', { name: 'Finance', exact: true }).click();
    await page.getByRole('tab', { name: 'Granular access' }).click();
    await page.getByTestId('add-grant-app').click();
    const gd = page.getByTestId('grant-dialog');
    await gd.getByLabel('Permission name').fill('Payroll access');
    await gd.getByRole('radio', { name: /Custom list/ }).check();
    await gd.getByRole('button', { name: 'Add' }).click();
    await expect(gd.getByRole('alert').textContent()).resolves.toContain(
      'Please select apps or select all apps option',
    );
    await gd.getByRole('checkbox', { name: 'Payroll' }).check();
    await gd.getByRole('radio', { name: /^View/ }).check();
    await gd.getByRole('checkbox', { name: /Hide from dashboard/ }).check();
    await gd.getByRole('button', { name: 'Add' }).click();
    await toast(page, 'Group permissions updated');
    const row = page.getByTestId('grant-row').filter({ hasText: 'Payroll access' });
    await expect(row.textContent()).resolves.toContain('Hidden from dashboard');

    await row.getByRole('button', { name: 'Edit Payroll access' }).click();
    await page.getByTestId('grant-dialog').getByRole('radio', { name: /^Edit/ }).check();
    await page.getByTestId('grant-dialog').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.textContent()).toContain('Edit');

    await page.getByTestId('add-grant-dataSource').click();
    await page
      .getByTestId('grant-dialog')
      .getByRole('radio', { name: /^Build with/ })
      .check();
    await page.getByTestId('grant-dialog').getByRole('button', { name: 'Add' }).click();
    await page.getByTestId('grants-dataSource').getByTestId('grant-row').waitFor();

    await row.getByRole('button', { name: 'Remove Payroll access' }).click();
    await row.waitFor({ state: 'detached' });
  });

  it('duplicates with the chosen parts (all checked by default; none → disabled)', async () => {
    await openSettings(page, e.url);
    await kebab('Finance', 'Duplicate');
    const d = page.getByTestId('duplicate-dialog');
    await d.getByRole('heading', { name: 'Duplicate group' }).waitFor();
    await expect(d.textContent()).resolves.toContain('Duplicate the following parts of the group');
    const boxes = d.getByRole('checkbox');
    expect(await boxes.count()).toBe(4);
    for (let i = 0; i < 4; i++) expect(await boxes.nth(i).isChecked()).toBe(true);
    await d.getByRole('button', { name: 'Duplicate' }).click();
    await toast(page, 'Group duplicated successfully!');
    await page.getByTestId('group-title').filter({ hasText: 'Finance_copy' }).waitFor();
    await page.getByTestId('member-row').filter({ hasText: 'Eve Everyone' }).waitFor();

    // Only permissions: no users, flags kept; the name takes the next free number.
    await openSettings(page, e.url);
    await kebab('Finance', 'Duplicate');
    const d2 = page.getByTestId('duplicate-dialog');
    for (const label of ['Users', 'Permissions', 'App access', 'Data source access'])
      await d2.getByLabel(label).uncheck();
    expect(await d2.getByRole('button', { name: 'Duplicate' }).isDisabled()).toBe(true);
    await d2.getByLabel('Permissions').check();
    await d2.getByRole('button', { name: 'Duplicate' }).click();
    await page.getByTestId('group-title').filter({ hasText: 'Finance_copy_1' }).waitFor();
    await expect(page.getByText('0 users').count()).resolves.toBe(1);
    await page.getByRole('tab', { name: 'Permissions' }).click();
    expect(await page.getByTestId('flag-appCreate').isChecked()).toBe(true);
    await page.getByRole('tab', { name: 'Granular access' }).click();
    await expect(page.getByTestId('grant-row').count()).resolves.toBe(0);

    // Users and data-source access only.
    await openSettings(page, e.url);
    await kebab('Finance', 'Duplicate');
    const d3 = page.getByTestId('duplicate-dialog');
    await d3.getByLabel('Permissions').uncheck();
    await d3.getByLabel('App access').uncheck();
    await d3.getByRole('button', { name: 'Duplicate' }).click();
    await page.getByTestId('group-title').filter({ hasText: 'Finance_copy_2' }).waitFor();
    await page.getByTestId('member-row').filter({ hasText: 'Eve Everyone' }).waitFor();
    await page.getByRole('tab', { name: 'Granular access' }).click();
    await expect(page.getByTestId('grants-dataSource').getByTestId('grant-row').count()).resolves.toBe(1);
    await page.getByRole('tab', { name: 'Permissions' }).click();
    expect(await page.getByTestId('flag-appCreate').isChecked()).toBe(false);
  });

  it('deletes after confirming, showing what members lose', async () => {
    await openSettings(page, e.url);
    await kebab('Finance_copy_2', 'Delete');
    const d = page.getByTestId('delete-dialog');
    await expect(d.getByTestId('delete-message').textContent()).resolves.toBe(
      'This group will be permanently deleted. Do you want to continue?',
    );
    await d.getByTestId('impact').waitFor();
    await d.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: 'Finance_copy_2' }).waitFor();
    await kebab('Finance_copy_2', 'Delete');
    await page.getByTestId('delete-dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('link', { name: 'Finance_copy_2' }).waitFor({ state: 'detached' });
  });

  it('shows default-group restrictions as disabled controls with the reason', async () => {
    await openSettings(page, e.url);
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await expect(page.getByTestId('default-reason').textContent()).resolves.toContain('not editable');
    await page.getByRole('tab', { name: 'Permissions' }).click();
    expect(await page.getByTestId('flag-appCreate').isDisabled()).toBe(true);
    // Admin's built-in grants are listed (read-only), not "No app permissions yet".
    await page.getByRole('tab', { name: 'Granular access' }).click();
    const adminApps = page.getByTestId('grants-app').getByTestId('grant-row');
    await expect(adminApps.textContent()).resolves.toMatch(/All apps\s*Edit/);
    expect(await adminApps.getByRole('button', { name: /^Edit/ }).isDisabled()).toBe(true);
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.getByTestId('members-readonly').waitFor();
    await openSettings(page, e.url);
    await page.getByRole('link', { name: 'End-user', exact: true }).click();
    await page.getByRole('tab', { name: 'Granular access' }).click();
    expect(await page.getByTestId('add-grant-dataSource').isDisabled()).toBe(true);
    await openSettings(page, e.url);
    await page
      .getByTestId('group-row')
      .filter({ hasText: 'Builder' })
      .getByRole('button', { name: 'Actions for Builder' })
      .click();
    expect(await page.getByRole('menuitem', { name: 'Delete' }).isDisabled()).toBe(true);
    await page.keyboard.press('Escape');
  });

  it('renders hostile names as text everywhere', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    await openSettings(page, e.url);
    await createGroup(evil);
    await expect(page.getByTestId('group-title').textContent()).resolves.toBe(evil);
    await openSettings(page, e.url);
    await page.getByRole('link', { name: evil }).waitFor();
    expect(await page.locator('img[src=x]').count()).toBe(0);
    await openSettings(page, e.url, 'access-matrix');
    await openSettings(page, e.url, 'users');
    expect(await page.locator('img[src=x]').count()).toBe(0);
  });
});
