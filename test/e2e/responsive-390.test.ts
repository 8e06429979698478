/**
 * Every main page works in a 390 px wide window (a phone; SPEC clarification): nothing pushes the page
 * sideways, and every control (Sign out, Create, kebab menus, row actions, My access columns) is on screen
 * or inside a box that scrolls on its own (a wide table).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, startE2E } from './harness.ts';

const WIDTH = 390;
let e: E2E;
let page: Page;
let groupId = '';

/** Controls whose right or left edge is off screen, unless a scrolling ancestor holds them. */
async function offScreen(p: Page): Promise<string[]> {
  return p.evaluate((width) => {
    const out: string[] = [];
    const scrolls = (el: Element) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        if ((s.overflowX === 'auto' || s.overflowX === 'scroll') && a.scrollWidth > a.clientWidth)
          return true;
      }
      return false;
    };
    for (const el of document.querySelectorAll('button, a, select, input, th, h1, [role=tab]')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || el.closest('.visually-hidden, dialog:not([open])')) continue;
      if ((r.right > width + 1 || r.left < -1) && !scrolls(el))
        out.push(
          `${el.tagName.toLowerCase()} “${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40)}” ${Math.round(r.left)}–${Math.round(r.right)}`,
        );
    }
    if (document.documentElement.scrollWidth > width + 1) {
      // Name the deepest boxes that stick out, to say what to fix.
      const wide = [...document.querySelectorAll('body *')].filter(
        (el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el),
      );
      const names = wide
        .slice(-4)
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}.${el.className} “${(el.textContent ?? '').trim().slice(0, 30)}” ${Math.round(el.getBoundingClientRect().right)}`,
        );
      out.push(`page is ${document.documentElement.scrollWidth} px wide (${names.join(', ')})`);
    }
    return out;
  }, WIDTH);
}

beforeAll(async () => {
  e = await startE2E();
  const eve = await e.addUser('eve.with.a.rather.long.address@nexus.test', 'end-user', 'Eve Everyone');
  const W = '/api/workspaces/nexus';
  const g = await e.api<{ group: { id: string } }>(
    'POST',
    `${W}/groups`,
    { name: 'Human Resources' },
    e.adminToken,
  );
  groupId = g.body.group.id;
  await e.api('POST', `${W}/groups/${groupId}/members`, { userIds: [eve] }, e.adminToken);
  const app = await e.api<{ app: { id: string } }>(
    'POST',
    `${W}/apps`,
    { name: 'Payroll and compensation', urlPatterns: ['https://payroll.example.com/*'] },
    e.adminToken,
  );
  await e.api(
    'POST',
    `${W}/groups/${groupId}/grants`,
    {
      name: 'Payroll',
      resourceType: 'app',
      scope: 'custom',
      resourceIds: [app.body.app.id],
      level: 'view',
      hideFromDashboard: false,
    },
    e.adminToken,
  );
  await e.api('POST', `${W}/data-sources`, { name: 'Warehouse', kind: 'postgres' }, e.adminToken);
  ({ page } = await e.signedIn());
  await page.setViewportSize({ width: WIDTH, height: 844 });
});

afterAll(async () => {
  await e?.close();
});

describe(`at ${WIDTH} px`, () => {
  it('the sign-in page', async () => {
    const ctx = await e.browser.newContext({ viewport: { width: WIDTH, height: 844 } });
    const p = await ctx.newPage();
    await p.goto(`${e.url}/login`);
    await p.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await offScreen(p)).toEqual([]);
    await ctx.close();
  });

  it('every settings page, the group tabs and My access', async () => {
    const problems: Record<string, string[]> = {};
    const check = async (where: string) => {
      const found = await offScreen(page);
      if (found.length) {
        problems[where] = found;
        await page.screenshot({ path: `/tmp/h7-${where.replace(/\W/g, '-')}.png`, fullPage: true });
      }
    };
    for (const sub of ['groups', 'users', 'apps', 'data-sources', 'access-matrix', 'history', 'conflicts']) {
      await page.goto(`${e.url}/nexus/workspace-settings/${sub}`);
      await page.locator('[data-testid=sync-status][data-link=synced]').waitFor({ state: 'attached' });
      await page.locator('main h1').first().waitFor();
      if (sub === 'groups') await page.getByTestId('group-row').first().waitFor();
      if (sub === 'users') await page.getByTestId('user-row').first().waitFor();
      if (sub === 'history') await page.getByTestId('history-row').first().waitFor();
      await check(sub);
    }
    for (const tab of ['users', 'permissions', 'granular-access']) {
      await page.goto(`${e.url}/nexus/workspace-settings/groups/${groupId}/${tab}`);
      await page.getByTestId('group-title').waitFor();
      await check(`group ${tab}`);
    }
    // A kebab menu opens on screen.
    await page.getByRole('button', { name: 'Actions for Human Resources' }).click();
    const menu = await page.getByRole('menu').boundingBox();
    expect(menu && menu.x >= 0 && menu.x + menu.width <= WIDTH, 'kebab menu').toBe(true);
    await page.keyboard.press('Escape');
    await page.goto(`${e.url}/nexus/my-access`);
    await page.getByTestId('my-app').first().waitFor();
    await check('my access');
    await page.goto(`${e.url}/nexus`);
    await page.getByTestId('settings-entry').waitFor();
    await check('dashboard');
    expect(problems).toEqual({});
    // The sign-out button and the Create button are reachable.
    await page.goto(`${e.url}/nexus/workspace-settings/groups`);
    await page.getByTestId('create-group').waitFor();
    for (const id of ['sign-out', 'create-group']) {
      const box = await page.getByTestId(id).boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= WIDTH, id).toBe(true);
    }
  });
});
