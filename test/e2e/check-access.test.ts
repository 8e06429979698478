/**
 * Check access, view as user and decision tokens in real Chromium (issue 14): an admin picks any user and
 * any app or data source and reads core's decision with its reasons (the text the user's own panel gets)
 * and suggestions; opens My access as that user from the Users page (read-only, a banner with the way
 * back); and manages decision tokens in Workspace settings (secret shown once, last used and requests,
 * revoke with confirmation, empty state), by keyboard and at 390 px.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, type E2E, openSettings, startE2E } from './harness.ts';

let e: E2E;
let context: BrowserContext;
let page: Page;
const W = '/api/workspaces/nexus';
const EVE = 'eve@nexus.test';
let eveId = '';
let adminId = '';

beforeAll(async () => {
  e = await startE2E();
  // biome-ignore lint/suspicious/noExplicitAny: REST replies, checked by the assertions
  const as = (m: string, p: string, body?: unknown) => e.api<any>(m, W + p, body, e.adminToken);
  const app = async (name: string, pattern: string) =>
    (await as('POST', '/apps', { name, urlPatterns: [pattern] })).body.app.id as string;
  const payroll = await app('Payroll', 'https://payroll.nexus.test/*');
  const crm = await app('CRM', 'https://crm.nexus.test/*');
  expect((await as('POST', '/data-sources', { name: 'Payroll DB' })).status).toBe(201);
  // The End-user role views Payroll only; the HR group views CRM.
  const groups = (await as('GET', '/groups')).body.groups as {
    id: string;
    role: string | null;
    grants: { id: string; resourceType: string }[];
  }[];
  const endUsers = groups.find((g) => g.role === 'end-user')!;
  const grant = endUsers.grants.find((g) => g.resourceType === 'app')!;
  expect(
    (
      await as('PATCH', `/groups/${endUsers.id}/grants/${grant.id}`, {
        scope: 'custom',
        resourceIds: [payroll],
      })
    ).status,
  ).toBe(200);
  const hr = (await as('POST', '/groups', { name: 'HR' })).body.group.id as string;
  const crmGrant = {
    name: 'CRM read',
    resourceType: 'app',
    scope: 'custom',
    resourceIds: [crm],
    level: 'view',
  };
  expect((await as('POST', `/groups/${hr}/grants`, crmGrant)).status).toBe(201);
  eveId = await e.addUser(EVE, 'end-user', 'Eve');
  const users = (await as('GET', '/users')).body.users as { id: string; role: string }[];
  adminId = users.find((u) => u.role === 'admin')!.id;
  ({ context, page } = await e.signedIn());
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e.url });
}, 180_000);
afterAll(async () => {
  await context?.close();
  await e?.close();
});

const text = (p: Page, testid: string) =>
  p.getByTestId(testid).evaluate((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim());

describe('Check access', () => {
  it('shows core’s decision, reasons and suggestions for any user and app', async () => {
    await openSettings(page, e.url, 'check-access');
    await page.getByRole('heading', { name: 'Check access' }).waitFor();
    await page.getByTestId('check-user-search').fill('eve');
    await page.getByTestId('check-user').selectOption(eveId);
    await page.getByTestId('check-resource').selectOption({ label: 'CRM' });
    const result = page.getByTestId('check-result');
    await result.getByRole('heading', { name: 'No access Eve has no access to “CRM”' }).waitFor();
    const reasons = await page.getByTestId('check-reasons').locator('li').allTextContents();
    expect(reasons).toContain('No group of Eve grants access to “CRM”.');
    expect(await page.getByTestId('check-suggestions').locator('li').allTextContents()).toContain(
      'Member of “HR” would give View',
    );
    // The same sentences the user's own panel reads for that app (GET /access?url=… as Eve).
    const { context: eveContext } = await e.signedIn(EVE);
    const own = await eveContext.request.get(
      `${e.url}${W}/access?url=${encodeURIComponent('https://crm.nexus.test/x')}`,
    );
    expect((await own.json()).match.explanation.text).toEqual(reasons);
    await eveContext.close();

    await page.getByTestId('check-resource').selectOption({ label: 'Payroll' });
    await result.getByRole('heading', { name: 'View Eve can View “Payroll”' }).waitFor();
    expect(await text(page, 'check-reasons')).toContain('View via the End-user role');
    await page.getByTestId('check-resource').selectOption({ label: 'Payroll DB' });
    await result.getByRole('heading', { name: /Eve has no access to “Payroll DB”/ }).waitFor();
  });

  it('opens My access as a user from the Users page: read-only, marked, with a way back', async () => {
    await openSettings(page, e.url, 'users');
    await page.getByRole('button', { name: `View as ${EVE}: their My access, read-only` }).click();
    await page.waitForURL(new RegExp(`/nexus/my-access\\?as=${eveId}$`));
    const banner = page.getByTestId('view-as-banner');
    await banner.getByText('Viewing as Eve').waitFor();
    expect(await banner.textContent()).toContain('read-only');
    await page.getByRole('heading', { name: 'My access of Eve' }).waitFor();
    const open = await page.locator('[data-testid=my-app][data-access=open]').allTextContents();
    expect(open.join(' ')).toContain('Payroll');
    const none = page.getByTestId('no-access');
    expect(await none.textContent()).toContain('CRM');
    expect(await none.getByRole('link', { name: 'Request access' }).count()).toBe(0); // read-only
    await page.getByTestId('view-as-back').click();
    await page.waitForURL(/\/nexus\/workspace-settings\/users$/);
    // From Check access too, by keyboard: the link is reachable and follows Enter.
    await openSettings(page, e.url, 'check-access');
    await page.getByTestId('check-user').selectOption(eveId);
    await page.getByTestId('view-as-link').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('view-as-banner').waitFor();
  });

  it('refuses a non-admin who asks to view someone else', async () => {
    const { context: eveContext, page: evePage } = await e.signedIn(EVE);
    await evePage.goto(`${e.url}/nexus/my-access?as=${adminId}`);
    await evePage.getByRole('alert').filter({ hasText: 'Only admins' }).waitFor();
    expect(await evePage.getByTestId('my-app').count()).toBe(0);
    await eveContext.close();
  });
});

describe('Decision tokens', () => {
  it('creates a token by keyboard, shows the secret once, counts its use, and revokes it after confirming', async () => {
    await openSettings(page, e.url, 'decision-tokens');
    await page.getByTestId('decision-tokens-empty').waitFor();
    await page.getByTestId('create-decision-token').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('decision-token-dialog');
    await dialog.getByTestId('decision-token-name').waitFor();
    await page.keyboard.type('nginx at the edge');
    await page.keyboard.press('Enter');
    const secretField = dialog.getByTestId('decision-token-secret');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^ghd_[\w-]{40,}$/);
    await dialog.getByTestId('copy-decision-token').click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await dialog.getByRole('button', { name: 'Done' }).click();
    const row = page.getByTestId('decision-token-row');
    await row.filter({ hasText: 'nginx at the edge' }).waitFor();
    expect(await text(page, 'decision-token-requests')).toBe('0');
    expect(await text(page, 'decision-token-last-used')).toBe('Never');
    expect(await page.locator('body').textContent()).not.toContain(secret); // shown once
    // An app uses it: the list counts it.
    const asked = await e.api(
      'POST',
      `${W}/authzen/access/v1/evaluation`,
      {
        subject: { type: 'user', id: EVE },
        action: { name: 'view' },
        resource: { type: 'app', id: 'payroll' },
      },
      secret,
    );
    expect(asked.status).toBe(200);
    await page.getByRole('button', { name: 'Refresh the list' }).click();
    await expect.poll(() => text(page, 'decision-token-requests')).toBe('1');
    expect(await text(page, 'decision-token-last-used')).not.toBe('Never');
    // Revoke: asks first; Cancel keeps it, Revoke removes it and the token stops working.
    await page.getByRole('button', { name: 'Revoke nginx at the edge' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await row.count()).toBe(1);
    await page.getByRole('button', { name: 'Revoke nginx at the edge' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('decision-tokens-empty').waitFor();
    const refused = await e.api('POST', `${W}/authzen/access/v1/evaluation`, {}, secret);
    expect(refused.status).toBe(401);
  });
});

describe('accessibility', () => {
  for (const theme of ['light', 'dark'] as const)
    it(`Check access, view as, Decision tokens and its dialog have no serious axe violations (${theme})`, async () => {
      await page.evaluate((t) => localStorage.setItem('gatehouse-theme', t), theme);
      await openSettings(page, e.url, 'check-access');
      await page.getByTestId('check-user').selectOption(eveId);
      await page.getByTestId('check-resource').selectOption({ label: 'CRM' });
      await page.getByTestId('check-suggestions').waitFor();
      expect(await axe(page), `check access (${theme})`).toEqual([]);
      await page.goto(`${e.url}/nexus/my-access?as=${eveId}`);
      await page.getByTestId('no-access').waitFor();
      expect(await axe(page), `view as (${theme})`).toEqual([]);
      await openSettings(page, e.url, 'decision-tokens');
      await page.locator('main h1').waitFor();
      expect(await axe(page), `decision tokens (${theme})`).toEqual([]);
      await page.getByTestId('create-decision-token').click();
      await page.getByTestId('decision-token-name').fill(`a11y ${theme}`);
      await page.getByRole('button', { name: 'Create token', exact: true }).click();
      await page.getByTestId('decision-token-secret').waitFor();
      expect(await axe(page), `decision token secret (${theme})`).toEqual([]);
      await page.keyboard.press('Escape'); // closes the dialog
      await page.getByTestId('decision-token-row').first().waitFor();
      expect(await page.getByTestId('decision-token-dialog').count()).toBe(0);
      expect(await axe(page), `decision tokens list (${theme})`).toEqual([]);
    });
});

describe('at 390 px', () => {
  it('Check access and Decision tokens fit a phone', async () => {
    const narrow = await e.browser.newContext({
      viewport: { width: 390, height: 800 },
      storageState: await context.storageState(),
    });
    const small = await narrow.newPage();
    for (const sub of ['check-access', 'decision-tokens']) {
      await openSettings(small, e.url, sub);
      await small.locator('main h1').waitFor();
      if (sub === 'check-access') {
        await small.getByTestId('check-user').selectOption(eveId);
        await small.getByTestId('check-resource').selectOption({ label: 'CRM' });
        await small.getByTestId('check-suggestions').waitFor();
      }
      expect(await small.evaluate(() => document.documentElement.scrollWidth), sub).toBeLessThanOrEqual(390);
    }
    await narrow.close();
  });
});
