/**
 * My access in real Chromium (issue 11): an end-user sees the apps they can open, the ones reachable by
 * link only under their own heading, then — apart — the apps they cannot open, with whom to ask and a
 * prefilled request; the page reads the split summary (/access over /access/catalog).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type E2E, startE2E } from './harness.ts';

let e: E2E;
const W = '/api/workspaces/nexus';
const EVE = 'eve@nexus.test';

interface GroupJson {
  id: string;
  role: string | null;
  grants: { id: string; resourceType: string }[];
}

beforeAll(async () => {
  e = await startE2E();
  // biome-ignore lint/suspicious/noExplicitAny: REST replies, checked by the assertions
  const as = (m: string, p: string, body?: unknown) => e.api<any>(m, W + p, body, e.adminToken);
  const app = async (name: string, pattern: string) =>
    (await as('POST', '/apps', { name, urlPatterns: [pattern] })).body.app.id as string;
  const hr = await app('HR portal', 'https://hr.nexus.test/*');
  const payroll = await app('Payroll', 'https://payroll.nexus.test/*');
  await app('CRM', 'https://crm.nexus.test/*');
  // The End-user role views HR portal only (not every app); HR members view Payroll, hidden from the dashboard.
  const groups = (await as('GET', '/groups')).body.groups as GroupJson[];
  const endUsers = groups.find((g) => g.role === 'end-user')!;
  const appGrant = endUsers.grants.find((g) => g.resourceType === 'app')!;
  const patched = await as('PATCH', `/groups/${endUsers.id}/grants/${appGrant.id}`, {
    scope: 'custom',
    resourceIds: [hr],
  });
  expect(patched.status).toBe(200);
  const group = (await as('POST', '/groups', { name: 'HR' })).body.group.id as string;
  const eve = await e.addUser(EVE, 'end-user', 'Eve');
  expect((await as('POST', `/groups/${group}/members`, { userIds: [eve] })).status).toBe(200);
  const grant = await as('POST', `/groups/${group}/grants`, {
    name: 'Payroll read',
    resourceType: 'app',
    scope: 'custom',
    resourceIds: [payroll],
    level: 'view',
    hideFromDashboard: true,
  });
  expect(grant.status).toBe(201);
}, 180_000);
afterAll(() => e?.close());

describe('My access', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ({ context, page } = await e.signedIn(EVE));
  });
  afterAll(() => context?.close());

  const rows = (access: string) =>
    page.locator(`[data-testid=my-app][data-access=${access}]`).evaluateAll((els) =>
      els.map((el) =>
        [...el.children]
          .map((c) => c.textContent ?? '')
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    );

  it('lists the apps the user can open, then reachable by link, then no access with whom to ask', async () => {
    await page.waitForURL(/\/nexus\/my-access$/);
    await page.getByRole('heading', { name: 'Apps you can open' }).waitFor();
    const open = await rows('open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatch(/^HR portal View/);
    expect(open[0]).toContain('End-user role');

    await page.getByRole('heading', { name: 'Reachable by link' }).waitFor();
    const byLink = await rows('link');
    expect(byLink).toHaveLength(1);
    expect(byLink[0]).toMatch(/^Payroll View \(hidden from dashboard\)/);
    expect(byLink[0]).toContain('HR (Payroll read)');

    const none = page.getByTestId('no-access');
    await expect.poll(() => none.getByRole('heading').textContent()).toBe('No access (1)');
    expect(await none.textContent()).toContain('Ada Admin <ada@nexus.test>');
    const noneRows = await rows('none');
    expect(noneRows).toHaveLength(1);
    expect(noneRows[0]).toContain('CRM');
    expect(noneRows[0]).toContain('No group you are in grants access to CRM.');
    // Request access asks in Gatehouse (test/e2e/access-requests.test.ts); the prefilled email stays.
    expect(await none.getByRole('button', { name: 'Request access' }).count()).toBe(1);
    const request = none.getByRole('link', { name: 'Email the admins' });
    const href = (await request.getAttribute('href')) ?? '';
    expect(href.startsWith(`mailto:${encodeURIComponent(ADMIN)}?subject=`)).toBe(true);
    expect(decodeURIComponent(href)).toContain('Access request: CRM (Nexus)');
    // The apps the user can open never appear under "No access", and the other way round.
    expect(await none.textContent()).not.toContain('HR portal');
  });

  it('reads the split summary: /access names the catalog it indexes; the page works at 390 px', async () => {
    const seen: string[] = [];
    let streams = 0;
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname === `${W}/access/events`) streams++;
      // The event stream is not a read of the summary (its opening event changes nothing).
      if (u.pathname.startsWith(`${W}/access`) && !u.pathname.endsWith('/events')) seen.push(u.pathname);
    });
    await page.reload();
    await page.getByTestId('no-access').waitFor();
    // The stream opened and sent the summary: the page took it from there, reading nothing more.
    await expect.poll(() => streams).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toEqual([`${W}/access`, `${W}/access/catalog`]);
    // The same session in a 390 px wide window.
    const narrow = await e.browser.newContext({
      viewport: { width: 390, height: 800 },
      storageState: await context.storageState(),
    });
    const small = await narrow.newPage();
    await small.goto(`${e.url}/nexus/my-access`);
    await small.getByTestId('no-access').waitFor();
    const wide = await small.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > 391)
        .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
        .slice(0, 8),
    );
    expect(wide).toEqual([]);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await narrow.close();
  });
});
