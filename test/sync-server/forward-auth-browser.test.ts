/**
 * Forward auth end to end in Debian's Chromium (issue 14): an app host behind a real nginx, Gatehouse
 * serving the built admin app on its own host, both under SESSION_COOKIE_DOMAIN (`corp.test`, mapped to
 * 127.0.0.1 by Chromium's host resolver). Opening the app signed out lands on Gatehouse's sign-in page;
 * signing in comes back to the very URL, and the upstream sees who it is; an app without access shows the
 * refusal page with Request access.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, buildWeb } from '../e2e/harness.ts';
import { forwardAuthServer, freePort, startNginx, type TestNginx } from '../support/nginx.ts';
import { addUser, api, PASSWORD, setup, startServer, type TestServer } from './helpers.ts';
import { must, removeEndUserGrants } from './rest-setup.ts';

const SECRET = 'proxy-secret-for-the-browser-test';
const W = '/api/workspaces/acme';
let t: TestServer;
let nginx: TestNginx;
let upstream: http.Server;
let browser: Browser;
let gatehouse = '';
let admin = '';
let hr = '';

beforeAll(async () => {
  const webDir = buildWeb();
  upstream = http.createServer((req, res) => {
    const who = String(req.headers['remote-user'] ?? 'nobody');
    const body = `<!doctype html><title>HR</title><h1>HR for ${who}</h1><p id="path">${req.url}</p>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const ghPort = await freePort();
  gatehouse = `http://gatehouse.corp.test:${ghPort}`;
  t = await startServer({
    port: ghPort,
    publicUrl: gatehouse,
    webDir,
    sessionCookieDomain: 'corp.test',
    forwardAuthSecret: SECRET,
  });
  nginx = await startNginx((port) =>
    forwardAuthServer(port, {
      gatehouse: `127.0.0.1:${ghPort}`,
      upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      query: 'ws=acme',
      authHeaders: { 'X-Gatehouse-Proxy-Secret': SECRET },
    }),
  );
  admin = await setup(t, 'acme');
  const eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  await removeEndUserGrants(t, admin, 'acme');
  hr = await must(
    api(t.url, 'POST', `${W}/apps`, {
      token: admin,
      body: { name: 'HR', urlPatterns: [`http://hr.corp.test:${nginx.port}/*`] },
    }),
    'app',
  );
  await must(
    api(t.url, 'POST', `${W}/apps`, {
      token: admin,
      body: { name: 'Payroll', urlPatterns: [`http://payroll.corp.test:${nginx.port}/*`] },
    }),
    'app',
  );
  const staff = await must(
    api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 'Staff' } }),
    'group',
  );
  await must(
    api(t.url, 'POST', `${W}/groups/${staff}/grants`, {
      token: admin,
      body: { name: 'HR', resourceType: 'app', scope: 'custom', resourceIds: [hr], level: 'view' },
    }),
  );
  await must(
    api(t.url, 'POST', `${W}/groups/${staff}/members`, { token: admin, body: { userIds: [eve.userId] } }),
  );
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--host-resolver-rules=MAP *.corp.test 127.0.0.1'],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await t?.close();
  await new Promise((r) => upstream?.close(r));
});

describe('forward auth in a browser', () => {
  it('signed out → Gatehouse sign-in → back to the same URL, signed in for every app host', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const app = `http://hr.corp.test:${nginx.port}/reports?q=1`;
    await page.goto(app);
    await page.waitForURL((u) => u.origin === gatehouse && u.pathname === '/login', { timeout: 30_000 });
    await page.getByLabel('Email').fill('eve@acme.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(app, { timeout: 30_000 });
    await expect
      .poll(() => page.locator('h1').textContent(), { timeout: 10_000 })
      .toBe('HR for eve@acme.test');
    expect(await page.locator('#path').textContent()).toBe('/reports?q=1');
    // The cookie names the domain: another app host sees the same sign-in, and refuses with its page.
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'gatehouse_session')?.domain).toBe('.corp.test');
    const refused = await page.goto(`http://payroll.corp.test:${nginx.port}/`);
    expect(refused?.status()).toBe(403);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 10_000 })
      .toBe("You can't open Payroll");
    const request = page.getByRole('link', { name: 'Request access' });
    expect(await request.getAttribute('href')).toMatch(/^mailto:admin%40acme\.test\?subject=/);
    expect(await axe(page)).toEqual([]); // no serious or critical accessibility violation
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await context.close();
  }, 120_000);

  it('the admin app sets an app’s forward-auth level; the proxy follows on the next request', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gatehouse}/login`);
    await page.getByLabel('Email').fill('admin@acme.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 30_000 });
    await page.goto(`${gatehouse}/acme/workspace-settings/apps`);
    await page.locator('[data-testid=sync-status][data-link=synced]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Edit HR' }).click();
    const dialog = page.getByTestId('resource-dialog');
    const select = dialog.getByLabel(/Forward auth/);
    expect(await select.inputValue()).toBe(''); // by method
    await select.selectOption({ label: 'Edit for every request' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(
        async () =>
          (await api(t.url, 'GET', `${W}/apps`, { token: admin })).body.apps.find(
            (a: { id: string }) => a.id === hr,
          )?.forwardAuthLevel,
        {
          timeout: 15_000,
        },
      )
      .toBe('edit');
    await expect
      .poll(() => page.getByTestId('forward-auth-level-note').textContent(), { timeout: 10_000 })
      .toBe('Forward auth: Edit for every request');
    // Eve holds View on HR: a plain GET now needs Edit.
    const eve = await context.browser()!.newContext();
    const evePage = await eve.newPage();
    await evePage.goto(`${gatehouse}/login`);
    await evePage.getByLabel('Email').fill('eve@acme.test');
    await evePage.getByLabel('Password').fill(PASSWORD);
    await evePage.getByRole('button', { name: 'Sign in' }).click();
    await evePage.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 30_000 });
    const refused = await evePage.goto(`http://hr.corp.test:${nginx.port}/`);
    expect(refused?.status()).toBe(403);
    expect(await evePage.getByRole('heading', { level: 1 }).textContent()).toBe("You can't open HR");
    await eve.close();
    await context.close();
  }, 120_000);
});
