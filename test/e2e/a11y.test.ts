/**
 * axe-core on every page (and the main dialogs), light and dark, at 1024 px: no serious or critical
 * violations. Also: dialogs trap focus, close on Esc and return focus to their opener.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, type E2E, openSettings, startE2E } from './harness.ts';

let e: E2E;
let page: Page;
let groupUrl = '';

async function expectClean(where: string) {
  const violations = await axe(page);
  expect(violations, `${where}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

beforeAll(async () => {
  e = await startE2E();
  await e.addUser('eve@nexus.test', 'end-user', 'Eve Everyone');
  ({ page } = await e.signedIn());
  await openSettings(page, e.url);
  await page.getByRole('button', { name: '+ Create new group' }).click();
  await page.getByTestId('create-group-dialog').getByLabel('Group name').fill('HR');
  await page.getByTestId('create-group-dialog').getByRole('button', { name: 'Create Group' }).click();
  await page.getByTestId('group-title').waitFor();
  groupUrl = page.url();
  await openSettings(page, e.url, 'apps');
  await page.getByTestId('create-resource').click();
  await page.getByTestId('resource-dialog').getByLabel('Name').fill('Payroll');
  await page.getByTestId('resource-dialog').getByRole('button', { name: 'Create' }).click();
  await page.getByTestId('resource-row').waitFor();
});

afterAll(async () => {
  await e?.close();
});

describe('accessibility', () => {
  it('sign-in page', async () => {
    const ctx = await e.browser.newContext({ viewport: { width: 1024, height: 768 } });
    const p = await ctx.newPage();
    await p.goto(`${e.url}/login`);
    await p.getByRole('button', { name: 'Sign in' }).waitFor();
    const violations = await axe(p);
    expect(violations).toEqual([]);
    await ctx.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`every settings page (${theme})`, async () => {
      await page.evaluate((t) => localStorage.setItem('gatehouse-theme', t), theme);
      for (const sub of [
        'groups',
        'users',
        'apps',
        'data-sources',
        'access-matrix',
        'history',
        'conflicts',
      ]) {
        await openSettings(page, e.url, sub);
        await page.locator('main h1').first().waitFor();
        await expectClean(`${sub} (${theme})`);
      }
      for (const tab of ['users', 'permissions', 'granular-access']) {
        await page.goto(`${groupUrl}/${tab}`);
        await page.getByTestId('group-title').waitFor();
        await expectClean(`group ${tab} (${theme})`);
      }
      await page.goto(`${e.url}/nexus`);
      await page.getByTestId('settings-entry').waitFor();
      await expectClean(`dashboard (${theme})`);
      await page.goto(`${e.url}/nexus/my-access`);
      await page.getByTestId('my-app').first().waitFor();
      await expectClean(`my access (${theme})`);
    });
  }

  it('dialogs: clean, focus trapped, Esc closes and focus returns', async () => {
    await page.evaluate(() => localStorage.removeItem('gatehouse-theme'));
    await openSettings(page, e.url);
    const opener = page.getByRole('button', { name: '+ Create new group' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('create-group-dialog');
    await dialog.waitFor();
    await expectClean('create dialog');
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate(
          () =>
            document.activeElement?.closest('dialog') !== null || document.activeElement === document.body,
        ),
      ).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('+ Create new group');

    // Kebab menu by keyboard: Enter opens it on the first item, ↓ moves, Esc closes back to the button.
    await page.getByRole('button', { name: 'Actions for HR' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Duplicate');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Delete');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Actions for HR',
    );

    await page.getByRole('button', { name: 'Actions for HR' }).click();
    await page.getByRole('menuitem', { name: 'Duplicate' }).click();
    await page.getByTestId('duplicate-dialog').waitFor();
    await expectClean('duplicate dialog');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Actions for HR' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByTestId('delete-dialog').waitFor();
    await expectClean('delete dialog');
    await page.keyboard.press('Escape');

    await openSettings(page, e.url, 'access-matrix');
    await page.getByRole('button', { name: /eve@nexus.test — Payroll/ }).click();
    await expect(page.getByTestId('explanation').textContent()).resolves.toContain('View');
    await expectClean('matrix with explanation');
  });

  it('issue 11 dialogs and hints: grant, default-group duplicate, Builder flags preview, named apps', async () => {
    await page.goto(`${groupUrl}/granular-access`);
    await page.getByTestId('add-grant-app').click();
    await page.getByTestId('grant-dialog').waitFor();
    await expectClean('grant dialog');
    await page.keyboard.press('Escape');

    await openSettings(page, e.url);
    await page.getByRole('button', { name: 'Actions for Admin' }).click();
    await page.getByRole('menuitem', { name: 'Duplicate' }).click();
    await page.getByTestId('dup-note').waitFor();
    await expectClean('duplicate dialog of a default group');
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name: 'Builder', exact: true }).click();
    await page.getByRole('tab', { name: 'Permissions' }).click();
    await page.getByTestId('builder-flags-hint').waitFor();
    await page.getByTestId('flag-appCreate').uncheck();
    await page.getByTestId('flags-preview').waitFor();
    await expectClean('Builder flags preview');
    await page.keyboard.press('Escape');

    // HR holds Eve: Edit on all apps would upgrade her; the confirmation names the apps.
    await page.goto(`${groupUrl}/users`);
    await page.getByRole('checkbox', { name: /Eve Everyone/ }).check();
    await page.getByTestId('add-users-button').click();
    await page.getByTestId('member-row').waitFor();
    await page.getByRole('tab', { name: 'Permissions' }).click();
    await page.getByTestId('builder-level-hint').waitFor();
    await expectClean('permissions tab with the builder-level hint');
    await page.getByTestId('flag-folderCRUD').check();
    await page.getByTestId('confirm-dialog').waitFor();
    await expectClean('role-change confirmation');
    await page.keyboard.press('Escape');
  });
});
