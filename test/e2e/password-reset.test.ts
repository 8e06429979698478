/**
 * Password reset in the browser (issue 8, item 11): an admin issues a one-time link on the Users page; the
 * person opens it in another browser (a phone-sized one), chooses a new password and signs in with it;
 * the old password stops working, the link works once, and dead links say so instead of showing the form.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, type E2E, openSettings, PASSWORD, startE2E } from './harness.ts';

const HANA = 'hana@nexus.test';
const NEW_PASSWORD = 'a brand new passphrase';
let e2e: E2E;
let link = '';

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.addUser(HANA, 'end-user', 'Hana');
  await e2e.api(
    'POST',
    '/api/workspaces/nexus/users',
    { email: 'ivy@nexus.test', name: 'Ivy', role: 'builder' },
    e2e.adminToken,
  );
});

afterAll(() => e2e?.close());

/** A new context 390 px wide (a phone), on `path`. */
async function phone(path: string): Promise<Page> {
  const context = await e2e.browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await page.goto(new URL(path, e2e.url).href);
  return page;
}

async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe('password reset', () => {
  it('an admin issues a link on the Users page: shown with Copy and its expiry, only for joined users', async () => {
    const { context, page } = await e2e.signedIn();
    await openSettings(page, e2e.url, 'users');
    await page.getByTestId('user-row').filter({ hasText: HANA }).waitFor();
    // Invited users have not joined: nothing to reset.
    expect(await page.getByRole('button', { name: 'Reset password of ivy@nexus.test' }).count()).toBe(0);

    const open = page.getByRole('button', { name: `Reset password of ${HANA}` });
    await open.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('reset-password-dialog');
    await dialog.getByRole('button', { name: 'Create reset link' }).press('Enter');
    const input = dialog.getByTestId('reset-link');
    await input.waitFor();
    link = await input.inputValue();
    expect(link).toMatch(new RegExp(`^${e2e.url}/reset-password\\?token=[\\w.%-]+$`));
    // Focus moves to the link (the button that had it is gone).
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await dialog.getByTestId('reset-expiry').textContent()).toMatch(/^Valid until .+\d/);
    expect(await dialog.getByRole('button', { name: 'Copy link' }).isVisible()).toBe(true);
    expect(await axe(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    await context.close();
  });

  it('the person sets a new password at 390 px, by keyboard, then signs in with it; the old one fails', async () => {
    const page = await phone(link);
    const pw = page.getByLabel('New password', { exact: true });
    const confirm = page.getByLabel('Confirm new password');
    await pw.waitFor();
    expect(await fitsWidth(page)).toBe(true);
    expect(await axe(page)).toEqual([]);

    await pw.fill('short');
    await confirm.fill('short');
    await confirm.press('Enter');
    await expect.poll(() => page.locator('#reset-error').textContent()).toMatch(/at least 8 characters/);

    await pw.fill(NEW_PASSWORD);
    await confirm.fill(`${NEW_PASSWORD}!`);
    await confirm.press('Enter');
    await expect.poll(() => page.locator('#reset-error').textContent()).toMatch(/do not match/);

    await confirm.fill(NEW_PASSWORD);
    await confirm.press('Enter');
    await page.getByTestId('reset-done').waitFor();
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('link', { name: 'Sign in with your new password' }).click();
    await page.waitForURL(/\/login$/);
    await page.getByLabel('Email').fill(HANA);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await expect
      .poll(() => page.locator('main [role=alert]').textContent())
      .toMatch(/Incorrect email or password/);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/nexus\/my-access$/);
    await page.context().close();

    expect((await e2e.api('POST', '/api/login', { email: HANA, password: PASSWORD })).status).toBe(401);
    expect((await e2e.api('POST', '/api/login', { email: HANA, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('a used, a wrong, an expired and an incomplete link each say so and offer sign-in', async () => {
    const cases: [string, RegExp, ((p: Page) => Promise<unknown>)?][] = [
      [link, /already been used/],
      ['/reset-password?token=nope.nope', /not valid/],
      [
        link,
        /has expired/,
        (p) =>
          p.route('**/api/password-reset', (r) =>
            r.fulfill({
              status: 410,
              contentType: 'application/json',
              body: JSON.stringify({ error: { code: 'reset-expired', message: 'expired' } }),
            }),
          ),
      ],
    ];
    for (const [path, text, prepare] of cases) {
      const page = await phone('/');
      await prepare?.(page);
      await page.goto(new URL(path, e2e.url).href);
      await page.getByLabel('New password', { exact: true }).fill('yet another password');
      await page.getByLabel('Confirm new password').fill('yet another password');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(() => page.getByTestId('reset-dead-link').textContent()).toMatch(text);
      expect(await page.getByLabel('New password', { exact: true }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Go to sign in' }).count()).toBe(1);
      await page.context().close();
    }
    const page = await phone('/reset-password');
    await expect.poll(() => page.getByTestId('reset-dead-link').textContent()).toMatch(/incomplete/);
    await page.context().close();
    // The used link did not change the password again.
    expect((await e2e.api('POST', '/api/login', { email: HANA, password: NEW_PASSWORD })).status).toBe(200);
  });
});
