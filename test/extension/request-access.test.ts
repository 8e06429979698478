/**
 * Request access from the panel, end to end (issue 16), with the built extension in real Chromium: an
 * End-user without access asks from the panel on the app's page; an admin approves; the open panel shows
 * the access within 5 s; when the temporary membership expires (the test moves the server's clock), the
 * panel shows no access again. Bad input from the panel (no reason) never reaches the server.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { buildTempExtension, type LoadedExtension, launchWithExtension } from './browser.ts';
import { startServer, type TestServer } from './server.ts';

const LIVE_GOAL_MS = 5_000;
const DAY_MS = 86_400_000;
const clock = new ManualClock(Date.now());
let server: TestServer;
let ext: LoadedExtension;
let cleanup: () => Promise<void>;
let admin: string;
let crm = '';

beforeAll(async () => {
  const built = await buildTempExtension();
  cleanup = built.cleanup;
  server = await startServer({ clock });
  ext = await launchWithExtension(built.outDir);
  admin = await server.token('ada@nexus.test');
  const apps = await server.rest<{ apps: { id: string; slug: string }[] }>(
    admin,
    'GET',
    '/api/workspaces/nexus/apps',
  );
  crm = apps.body.apps.find((a) => a.slug === 'crm')!.id;
  const g = await server.rest<{ group: { id: string } }>(admin, 'POST', '/api/workspaces/nexus/groups', {
    name: 'CRM viewers',
  });
  const grant = await server.rest(admin, 'POST', `/api/workspaces/nexus/groups/${g.body.group.id}/grants`, {
    name: 'CRM',
    resourceType: 'app',
    scope: 'custom',
    resourceIds: [crm],
    level: 'view',
  });
  expect(grant.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await ext?.close();
  await server?.stop();
  await cleanup?.();
});

async function signIn(email: string): Promise<void> {
  const popup = await ext.context.newPage();
  await popup.goto(`chrome-extension://${ext.id}/popup.html`);
  await popup.fill('#server', server.url);
  await popup.fill('#email', email);
  await popup.fill('#password', server.password(email));
  await popup.click('button[type=submit]');
  await popup.locator('[data-gh=signed-in]').waitFor();
  await popup.close();
}

const level = (page: Page) => page.locator('[data-gh=level]').textContent();

describe('request access from the panel', () => {
  test('ask → approve → the open panel shows access within 5 s → it expires → no access again', async () => {
    await signIn('hana@nexus.test');
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/crm`);
    await expect.poll(() => level(page), { timeout: 15_000 }).toBe('No access');

    // No reason: the form does not send.
    await page.locator('[data-gh=request-send]').click();
    const mine = () =>
      server.rest<{ requests: { id: string }[] }>(admin, 'GET', '/api/workspaces/nexus/requests?status=open');
    expect((await mine()).body.requests).toHaveLength(0);

    await page.locator('[data-gh=request-level]').selectOption('view');
    await page.locator('[data-gh=request-reason]').fill('Quarterly pipeline review');
    await page.locator('[data-gh=request-duration]').selectOption('1d');
    await page.locator('[data-gh=request-send]').click();
    await expect
      .poll(() => page.locator('[data-gh=request-result]').textContent(), { timeout: 10_000 })
      .toContain('Requested through “CRM viewers”');

    const open = (await mine()).body.requests;
    expect(open).toHaveLength(1);
    const approvedAt = clock.now();
    const approved = await server.rest(
      admin,
      'POST',
      `/api/workspaces/nexus/requests/${open[0]!.id}/approve`,
      {},
    );
    expect(approved.status).toBe(200);
    const t0 = Date.now();
    await expect.poll(() => level(page), { timeout: LIVE_GOAL_MS, interval: 100 }).toBe('View');
    expect(Date.now() - t0).toBeLessThan(LIVE_GOAL_MS);
    expect(await page.locator('[data-gh=via]').textContent()).toContain('CRM viewers');

    // A day later (the server's clock), the membership has expired: the panel follows.
    clock.set(approvedAt + DAY_MS);
    await expect.poll(() => level(page), { timeout: LIVE_GOAL_MS, interval: 100 }).toBe('No access');
    await page.close();
  }, 90_000);

  test('a pending request shows after a reload instead of a second form; a denial reaches the open panel', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/crm`);
    await expect.poll(() => level(page), { timeout: 15_000 }).toBe('No access');
    await page.locator('[data-gh=request-reason]').fill('Renewals');
    await page.locator('[data-gh=request-send]').click();
    await page.locator('[data-gh=request-result]').waitFor({ timeout: 10_000 });

    await page.reload();
    const state = page.locator('[data-gh=request-state]');
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toContain('Waiting for an admin');
    expect(await page.locator('[data-gh=request-form]').count()).toBe(0);

    const open = await server.rest<{ requests: { id: string }[] }>(
      admin,
      'GET',
      '/api/workspaces/nexus/requests?status=open',
    );
    expect(open.body.requests).toHaveLength(1);
    const denied = await server.rest(
      admin,
      'POST',
      `/api/workspaces/nexus/requests/${open.body.requests[0]!.id}/deny`,
      {
        reason: 'Not this quarter',
      },
    );
    expect(denied.status).toBe(200);
    await expect
      .poll(() => state.textContent(), { timeout: LIVE_GOAL_MS, interval: 100 })
      .toContain('Not this quarter');
    // Denied: asking again is possible.
    await page.locator('[data-gh=request-form]').waitFor();
    await page.close();
  }, 90_000);
});
