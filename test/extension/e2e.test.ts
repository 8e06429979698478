/**
 * The built extension in real Chromium against the real server (demo workspace), SPEC §4 / issue 5 §5:
 * popup sign-in, the panel on app pages (and not elsewhere), live REST changes, names as text, a hostile
 * host stylesheet, an end-user without access, and stale marking once the server is gone.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildTempExtension, type LoadedExtension, launchWithExtension } from './browser.ts';
import { startServer, type TestServer } from './server.ts';

const LIVE_GOAL_MS = 5_000;
const HOSTILE_PAGE = `<!doctype html><html><head><title>Hostile</title><style>
  * { all: unset !important; }
  div { display: none !important; }
  html, body { display: block !important; font: 40px/3 serif !important; color: red !important; }
  gatehouse-access-panel, section, button { display: none !important; visibility: hidden !important; }
</style></head><body><p id="para">Host text</p><p id="second">More host text</p>
<script>
  const m = (id) => { const r = document.getElementById(id).getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; };
  window.layoutBefore = JSON.stringify([m('para'), m('second'), document.documentElement.scrollHeight, getComputedStyle(document.getElementById('para')).color]);
  window.measure = () => JSON.stringify([m('para'), m('second'), document.documentElement.scrollHeight, getComputedStyle(document.getElementById('para')).color]);
</script></body></html>`;

let server: TestServer;
let ext: LoadedExtension;
let cleanup: () => Promise<void>;
let admin: string;
let hostile: http.Server;
let hostileUrl: string;
const ids: Record<string, string> = {};

async function signInThroughPopup(
  page: Page,
  serverUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await page.fill('#server', serverUrl);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

async function openPopup(): Promise<Page> {
  const page = await ext.context.newPage();
  await page.goto(`chrome-extension://${ext.id}/popup.html`);
  await page.locator('#server, [data-gh=signed-in]').first().waitFor();
  return page;
}

const panel = (page: Page) => page.locator('gatehouse-access-panel');

async function axeViolations(page: Page): Promise<string[]> {
  const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axe); // evaluated over CDP: the popup's CSP forbids inline scripts
  return page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run(): Promise<{ violations: { id: string; nodes: unknown[] }[] }> };
    };
    return (await w.axe.run()).violations.map((v) => `${v.id} (${v.nodes.length})`);
  });
}

beforeAll(async () => {
  const built = await buildTempExtension();
  cleanup = built.cleanup;
  server = await startServer();
  ext = await launchWithExtension(built.outDir);
  admin = await server.token('ada@nexus.test');
  const groups = await server.rest<{ groups: { id: string; name: string }[] }>(
    admin,
    'GET',
    '/api/workspaces/nexus/groups',
  );
  const apps = await server.rest<{ apps: { id: string; slug: string }[] }>(
    admin,
    'GET',
    '/api/workspaces/nexus/apps',
  );
  for (const g of groups.body.groups) ids[`group:${g.name}`] = g.id;
  for (const a of apps.body.apps) ids[`app:${a.slug}`] = a.id;
  hostile = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(HOSTILE_PAGE);
  });
  await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await ext?.close();
  await server?.stop();
  await new Promise((r) => hostile?.close(r));
  await cleanup?.();
});

describe('extension against the real server', () => {
  test('popup: clear errors for a wrong password and an unreachable server, then signs in', async () => {
    const popup = await openPopup();
    await signInThroughPopup(popup, server.url, 'hana@nexus.test', 'not-the-password');
    await expect.poll(() => popup.locator('[data-gh=error]').textContent()).toBe('Wrong email or password.');

    await signInThroughPopup(popup, 'http://127.0.0.1:1', 'hana@nexus.test', 'x');
    await expect
      .poll(() => popup.locator('[data-gh=error]').textContent())
      .toMatch(/^Cannot reach the Gatehouse server/);

    await signInThroughPopup(popup, server.url, 'hana@nexus.test', server.password('hana@nexus.test'));
    await popup.locator('[data-gh=signed-in]').waitFor();
    expect(await popup.locator('[data-gh=account]').textContent()).toBe('hana@nexus.test');
    const hrRow = popup.locator('[data-app=hr-portal]');
    await expect.poll(() => hrRow.textContent()).toBe('HR PortalViewHR (HR apps)');
    expect(await popup.locator('[data-app=crm]').textContent()).toBe('CRMNo accessNo group grants it');
    // Apps the person can open come first, the ones without access last (as on My access).
    const levels = await popup
      .locator('[data-ws=nexus] [data-app] td.level')
      .evaluateAll((tds) => tds.map((td) => (td.textContent === 'No access' ? 'none' : 'some')));
    expect(levels.indexOf('none')).toBeGreaterThan(levels.lastIndexOf('some'));
    expect(await popup.locator('[data-ws=nexus] [data-gh=role]').textContent()).toBe('Role: End-user');
    expect(await axeViolations(popup)).toEqual([]);
    await popup.close();
  });

  test('the panel shows on a matching app page with the level and the group it comes from', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/hr-portal`);
    await expect.poll(() => page.locator('[data-gh=level]').textContent()).toBe('View');
    expect(await page.locator('[data-gh=app]').textContent()).toBe('HR Portal');
    expect(await page.locator('[data-gh=via]').textContent()).toBe('HR: “HR apps” (View)');
    expect(await page.locator('[data-gh=role]').textContent()).toBe('End-user');
    await page.close();
  });

  test('a single-page app moving to another app URL gets that app panel', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/hr-portal`);
    await expect.poll(() => page.locator('[data-gh=app]').textContent()).toBe('HR Portal');
    await page.evaluate(() => history.pushState({}, '', '/demo-apps/crm'));
    await expect.poll(() => page.locator('[data-gh=app]').textContent()).toBe('CRM');
    expect(await page.locator('[data-gh=level]').textContent()).toBe('No access');
    await page.evaluate(() => history.pushState({}, '', '/not-an-app'));
    await expect.poll(() => panel(page).count()).toBe(0);
    await page.close();
  });

  test('no panel on a page that matches no app', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/healthz`);
    await page.goto(`${server.url}/demo-apps-not-an-app`);
    await page.waitForTimeout(1_500);
    expect(await panel(page).count()).toBe(0);
    await page.close();
  });

  test('an end-user without access sees why, which admins to ask, and a prefilled request', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/crm/records`);
    await expect.poll(() => page.locator('[data-gh=level]').textContent()).toBe('No access');
    expect(await page.locator('[data-gh=toggle]').getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('[data-gh=reason]').isVisible()).toBe(true);
    expect(await page.locator('[data-gh=reason]').textContent()).toBe(
      'No group you are in grants access to CRM.',
    );
    expect(await page.locator('[data-gh=admins]').textContent()).toBe('Ada Admin <ada@nexus.test>');
    const mail = new URL((await page.locator('[data-gh=request]').getAttribute('href')) ?? '');
    expect(mail.protocol).toBe('mailto:');
    expect(decodeURIComponent(mail.pathname)).toBe('ada@nexus.test');
    expect(mail.searchParams.get('subject')).toBe('Access request: CRM (Nexus)');
    await page.close();
  });

  test('a REST change reaches the open panel within 5 s, and names with HTML stay text', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/crm`);
    await expect.poll(() => page.locator('[data-gh=level]').textContent()).toBe('No access');

    const started = Date.now();
    const grant = await server.rest(admin, 'POST', `/api/workspaces/nexus/groups/${ids['group:HR']}/grants`, {
      name: 'CRM <b>read</b>',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [ids['app:crm']],
      level: 'view',
      hideFromDashboard: true,
    });
    expect(grant.status).toBe(201);
    await expect
      .poll(() => page.locator('[data-gh=level]').textContent(), { timeout: LIVE_GOAL_MS, interval: 50 })
      .toBe('View (hidden from dashboard)');
    expect(Date.now() - started).toBeLessThan(LIVE_GOAL_MS);
    expect(await page.locator('[data-gh=via]').textContent()).toBe(
      'HR: “CRM <b>read</b>” (View, hidden from dashboard)',
    );

    const hostileName = '<img src=x onerror="window.pwned=1">CRM <script>window.pwned=2</script>';
    const rename = await server.rest(admin, 'PATCH', `/api/workspaces/nexus/apps/${ids['app:crm']}`, {
      name: hostileName,
    });
    expect(rename.status).toBe(200);
    await expect
      .poll(() => page.locator('[data-gh=app]').textContent(), { timeout: LIVE_GOAL_MS })
      .toBe(hostileName);
    const injected = await page.evaluate(() => {
      const root = document.querySelector('gatehouse-access-panel')?.shadowRoot;
      return { elements: root?.querySelectorAll('img, script, b').length ?? -1, pwned: 'pwned' in window };
    });
    expect(injected).toEqual({ elements: 0, pwned: false });
    await page.close();
  });

  test('an open panel keeps following after Chrome stops the service worker', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/sales-dashboard`);
    await expect.poll(() => page.locator('[data-gh=level]').textContent()).toBe('No access');
    const cdp = await ext.context.browser()!.newBrowserCDPSession();
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { targetId: string; type: string; url: string }[];
    };
    const workers = targetInfos.filter((t) => t.type === 'service_worker' && t.url.includes(ext.id));
    expect(workers.length).toBe(1);
    for (const t of workers) await cdp.send('Target.closeTarget', { targetId: t.targetId });
    await page.waitForTimeout(200);

    const grant = await server.rest(admin, 'POST', `/api/workspaces/nexus/groups/${ids['group:HR']}/grants`, {
      name: 'Sales read',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [ids['app:sales-dashboard']],
      level: 'view',
      hideFromDashboard: false,
    });
    expect(grant.status).toBe(201);
    await expect
      .poll(() => page.locator('[data-gh=level]').textContent(), { timeout: LIVE_GOAL_MS, interval: 50 })
      .toBe('View');
    await cdp.detach();
    await page.close();
  });

  test('the collapsed state is remembered per app', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/hr-portal`);
    const toggle = page.locator('[data-gh=toggle]');
    // With access the panel starts as a small collapsed badge; without access it starts open (see above).
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.waitForTimeout(300);
    await page.reload();
    await expect.poll(() => page.locator('[data-gh=badge]').textContent()).toBe('View');
    expect(await page.locator('[data-gh=toggle]').getAttribute('aria-expanded')).toBe('true');
    await page.goto(`${server.url}/demo-apps/wiki`);
    await expect.poll(() => page.locator('[data-gh=badge]').textContent()).toBe('View');
    expect(await page.locator('[data-gh=toggle]').getAttribute('aria-expanded')).toBe('false');
    await page.close();
  });

  test('a host page with aggressive global CSS neither breaks the panel nor is changed by it', async () => {
    const app = await server.rest(admin, 'POST', '/api/workspaces/nexus/apps', {
      name: 'Hostile',
      urlPatterns: [`${hostileUrl}/*`],
    });
    expect(app.status).toBe(201);
    const page = await ext.context.newPage();
    // The worker re-reads the summaries when a page matches no cached app; a fresh popup refresh is quicker.
    const popup = await openPopup();
    await popup.locator('[data-app=hostile]').waitFor();
    await popup.close();
    await page.goto(`${hostileUrl}/tool`);
    const level = page.locator('[data-gh=level]');
    await expect.poll(() => level.textContent()).toBe('No access');
    expect(await level.isVisible()).toBe(true);
    const look = await page.evaluate(() => {
      const host = document.querySelector('gatehouse-access-panel')!;
      const toggle = host.shadowRoot!.querySelector('.toggle')!;
      const r = toggle.getBoundingClientRect();
      return {
        display: getComputedStyle(host).display,
        position: getComputedStyle(host).position,
        toggleVisible: r.width > 20 && r.height > 10,
        font: getComputedStyle(toggle).fontSize,
      };
    });
    expect(look).toEqual({ display: 'block', position: 'fixed', toggleVisible: true, font: '13px' });
    const [before, after] = await page.evaluate(() => {
      const w = window as unknown as { layoutBefore: string; measure(): string };
      return [w.layoutBefore, w.measure()];
    });
    expect(after).toBe(before);
    await page.close();
  });

  test('the popup offers to allow the sites of apps the person can open, and only those', async () => {
    const app = await server.rest<{ app: { id: string } }>(admin, 'POST', '/api/workspaces/nexus/apps', {
      name: 'Elsewhere',
      urlPatterns: ['https://elsewhere.corp.test/*'],
    });
    expect(app.status).toBe(201);
    const sitesToAllow = async (p: Awaited<ReturnType<typeof openPopup>>) => {
      const note = p.locator('[data-gh=missing-origins]');
      return (await note.count()) > 0 ? ((await note.textContent()) ?? '') : '';
    };
    let popup = await openPopup();
    await popup.locator('[data-app=elsewhere]').waitFor();
    expect(await sitesToAllow(popup)).not.toContain('https://elsewhere.corp.test/*');
    await popup.close();
    // Hana's HR group is given the app: now its site is worth allowing.
    const groups = await server.rest<{ groups: { id: string; name: string }[] }>(
      admin,
      'GET',
      '/api/workspaces/nexus/groups',
    );
    const hr = groups.body.groups.find((g) => g.name === 'HR')!.id;
    const grant = await server.rest(admin, 'POST', `/api/workspaces/nexus/groups/${hr}/grants`, {
      name: 'Elsewhere',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [app.body.app.id],
      level: 'view',
      hideFromDashboard: false,
    });
    expect(grant.status).toBe(201);
    popup = await openPopup();
    await expect
      .poll(() => sitesToAllow(popup), { timeout: 5000 })
      .toContain('https://elsewhere.corp.test/*');
    await popup.close();
  });

  test('a role change ends the session (SPEC §7): the open panel says so and keeps the last summary', async () => {
    const users = await server.rest<{ users: { id: string; email: string }[] }>(
      admin,
      'GET',
      '/api/workspaces/nexus/users',
    );
    const hana = users.body.users.find((u) => u.email === 'hana@nexus.test')!.id;
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/leave-tracker`);
    await expect.poll(() => page.locator('[data-gh=badge]').textContent()).toBe('View');
    const up = await server.rest(admin, 'PATCH', `/api/workspaces/nexus/users/${hana}`, {
      role: 'builder',
      allowRoleChange: true,
    });
    expect(up.status).toBe(200);
    await expect
      .poll(() => page.locator('[data-gh=stale]').textContent(), { timeout: LIVE_GOAL_MS })
      .toMatch(/^Your session has ended: sign in again from the Gatehouse extension\./);
    expect(await page.locator('[data-gh=badge]').textContent()).toBe('View');
    const down = await server.rest(admin, 'PATCH', `/api/workspaces/nexus/users/${hana}`, {
      role: 'end-user',
      allowRoleChange: true,
    });
    expect(down.status).toBe(200);
    await page.close();
  });

  test('sign-out removes open panels; an account in no workspace is told so; an API token signs in', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/wiki`);
    await expect.poll(() => page.locator('[data-gh=badge]').textContent()).toBe('View');

    const popup = await openPopup();
    await popup.click('[data-gh=sign-out]');
    await popup.locator('#server').waitFor();
    await expect.poll(() => panel(page).count()).toBe(0);

    await server.createLoneAccount('lone@nexus.test', 'lone-password-1');
    await signInThroughPopup(popup, server.url, 'lone@nexus.test', 'lone-password-1');
    await expect
      .poll(() => popup.locator('[data-gh=no-workspace]').textContent())
      .toBe('Signed in, but your account belongs to no workspace yet. Ask an admin to invite you.');
    await popup.click('[data-gh=sign-out]');

    const created = await server.rest<{ secret: string }>(admin, 'POST', '/api/workspaces/nexus/tokens', {
      name: 'ext',
    });
    expect(created.status).toBe(201);
    await popup.locator('#server').waitFor();
    await popup.fill('#server', server.url);
    await popup.check('#mode-token');
    await popup.fill('#token', created.body.secret);
    await popup.click('button[type=submit]');
    await expect
      .poll(() => popup.locator('[data-ws=nexus] [data-gh=role]').textContent())
      .toBe('Role: Admin');
    await page.reload();
    await expect.poll(() => page.locator('[data-gh=level]').textContent()).toBe('Edit');

    // Back to Hana for the offline test.
    await popup.click('[data-gh=sign-out]');
    await popup.locator('#server').waitFor();
    await signInThroughPopup(popup, server.url, 'hana@nexus.test', server.password('hana@nexus.test'));
    await popup.locator('[data-gh=signed-in]').waitFor();
    await popup.close();
    await page.close();
  });

  test('with the server stopped, an open panel and a newly opened page are marked stale', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${server.url}/demo-apps/hr-portal`);
    await expect.poll(() => page.locator('[data-gh=badge]').textContent()).toBe('View');
    expect(await page.locator('[data-gh=stale]').count()).toBe(0);
    const { url } = server;
    await server.stop();
    await expect
      .poll(() => page.locator('[data-gh=stale]').textContent(), { timeout: 10_000 })
      .toMatch(/^Offline: the Gatehouse server cannot be reached\. Showing your access as of /);
    expect(await page.locator('[data-gh=level]').textContent()).toBe('View');
    await page.close();

    // Nothing serves the page now, so open the cached app URL on a stand-in page at the same origin.
    const offline = await ext.context.newPage();
    await offline.route(`${url}/**`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<p>offline copy</p>' }),
    );
    await offline.goto(`${url}/demo-apps/leave-tracker`);
    await expect.poll(() => offline.locator('[data-gh=badge]').textContent()).toBe('View');
    await expect
      .poll(() => offline.locator('[data-gh=toggle] .stale-dot').count(), { timeout: 10_000 })
      .toBe(1);
    await offline.close();
  });
});
