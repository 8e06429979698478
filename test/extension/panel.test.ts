/**
 * The panel rendered in a real Chromium page from a fixture summary: names with HTML stay text, a
 * hostile host stylesheet neither hides nor restyles it, it does not restyle or move the host page, and
 * it works from the keyboard.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type PanelModel, toPanelModel } from '../../extension/panel-model.ts';
import { bundlePanel, CHROMIUM } from './browser.ts';
import { summaryFixture } from './fixtures.ts';

const HOSTILE_CSS = `
  * { all: unset !important; }
  div { display: none !important; }
  html, body { font: 40px/3 serif !important; color: red !important; }
  gatehouse-access-panel { display: none !important; opacity: 0 !important; }
  h2, ul, a, button, section { display: none !important; }
  .toggle, .body { background: red !important; }
`;

const f = summaryFixture();
const ctx = {
  pageUrl: 'https://payroll.corp.test/x',
  fetchedAt: Date.UTC(2025, 0, 2, 10, 42),
  stale: false,
  staleReason: null,
  collapsed: false,
};
const app = (id: string) => f.viewer.apps.find((a) => a.id === id)!;
const viewModel = toPanelModel(f.viewer, app(f.ids.payroll), ctx);
const outsiderModel = toPanelModel(f.outsider, f.outsider.apps.find((a) => a.id === f.ids.payroll)!, ctx);

let browser: Browser;
let script: string;

beforeAll(async () => {
  script = await bundlePanel();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
});
afterAll(async () => {
  await browser?.close();
});

async function pageWith(html: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setContent(html);
  await page.addScriptTag({ content: script });
  await page.evaluate(() => {
    const w = window as unknown as { collapses: unknown[] };
    w.collapses = [];
  });
  return page;
}

async function mount(page: Page, model: PanelModel): Promise<void> {
  await page.evaluate((m) => {
    const w = window as unknown as {
      GatehousePanel: { createPanel(cb: (k: string, c: boolean) => void): { update(m: unknown): void } };
      collapses: unknown[];
      panel: { update(m: unknown): void };
    };
    w.panel ??= w.GatehousePanel.createPanel((key, collapsed) => w.collapses.push({ key, collapsed }));
    w.panel.update(m);
  }, model);
}

const PAGE = `<!doctype html><html><head><style>h2 { color: rgb(1, 2, 3); font-size: 20px; }</style></head>
  <body><h2 id="own">Host heading</h2><div id="box" style="height: 50px">box</div><p>text</p></body></html>`;

describe('panel', () => {
  test('shows level, hidden-from-dashboard and via; every name is text, never HTML', async () => {
    const page = await pageWith(PAGE);
    await mount(page, viewModel);
    await expect
      .poll(() => page.locator('[data-gh=level]').textContent())
      .toBe('View (hidden from dashboard)');
    expect(await page.locator('[data-gh=app]').textContent()).toBe('Payroll <b>admin</b>');
    expect(await page.locator('[data-gh=via]').textContent()).toContain(
      'Support <script>alert(1)</script>: “Payroll read”',
    );
    expect(await page.locator('[data-gh=role]').textContent()).toBe('End-user');
    const injected = await page.evaluate(() => {
      const root = document.querySelector('gatehouse-access-panel')!.shadowRoot!;
      return root.querySelectorAll('b, i, script').length;
    });
    expect(injected).toBe(0);
    expect(await page.locator('[data-gh=toggle]').getAttribute('aria-expanded')).toBe('true');
    await page.close();
  });

  test('no access: says so, names the admins and offers a prefilled request', async () => {
    const page = await pageWith(PAGE);
    await mount(page, outsiderModel);
    expect(await page.locator('[data-gh=level]').textContent()).toBe('No access');
    expect(await page.locator('[data-gh=reason]').textContent()).toBe(
      'No group you are in grants access to Payroll <b>admin</b>.',
    );
    expect(await page.locator('[data-gh=admins]').textContent()).toBe('Ada <i>Admin</i> <ada@corp.test>');
    const href = (await page.locator('[data-gh=request]').getAttribute('href')) ?? '';
    expect(href.startsWith('mailto:ada%40corp.test?subject=')).toBe(true);
    await page.close();
  });

  test('stale marking says when the summary is from', async () => {
    const page = await pageWith(PAGE);
    await mount(page, { ...viewModel, stale: true, staleReason: 'unreachable' });
    expect(await page.locator('[data-gh=stale]').textContent()).toMatch(
      /^Offline: the Gatehouse server cannot be reached/,
    );
    await mount(page, { ...viewModel, stale: false });
    expect(await page.locator('[data-gh=stale]').count()).toBe(0);
    await page.close();
  });

  test('a hostile page stylesheet neither hides nor restyles the panel, and the panel changes nothing outside', async () => {
    const page = await pageWith(`<!doctype html><html><head><style>${HOSTILE_CSS}</style></head>
      <body><h2 id="own">Host heading</h2><p id="para">text</p></body></html>`);
    const before = await page.evaluate(() => {
      const p = document.getElementById('para')!;
      const h = document.getElementById('own')!;
      const r = p.getBoundingClientRect();
      return {
        rect: [r.x, r.y, r.width, r.height],
        h2: getComputedStyle(h).cssText || [getComputedStyle(h).display, getComputedStyle(h).color].join(),
        scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
      };
    });
    await mount(page, viewModel);
    const level = page.locator('[data-gh=level]');
    await expect.poll(() => level.isVisible()).toBe(true);
    const look = await page.evaluate(() => {
      const host = document.querySelector('gatehouse-access-panel')!;
      const root = host.shadowRoot!;
      const toggle = root.querySelector('.toggle')!;
      const body = root.querySelector('.body')!;
      const hs = getComputedStyle(host);
      const r = host.getBoundingClientRect();
      return {
        position: hs.position,
        display: hs.display,
        opacity: hs.opacity,
        size: [r.width > 100, r.height > 100],
        toggleBg: getComputedStyle(toggle).backgroundColor,
        bodyBg: getComputedStyle(body).backgroundColor,
        fontSize: getComputedStyle(body).fontSize,
        color: getComputedStyle(body).color,
      };
    });
    expect(look).toEqual({
      position: 'fixed',
      display: 'block',
      opacity: '1',
      size: [true, true],
      toggleBg: 'rgb(255, 255, 255)',
      bodyBg: 'rgb(255, 255, 255)',
      fontSize: '13px',
      color: 'rgb(31, 35, 40)',
    });
    const after = await page.evaluate(() => {
      const p = document.getElementById('para')!;
      const h = document.getElementById('own')!;
      const r = p.getBoundingClientRect();
      return {
        rect: [r.x, r.y, r.width, r.height],
        h2: getComputedStyle(h).cssText || [getComputedStyle(h).display, getComputedStyle(h).color].join(),
        scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
      };
    });
    expect(after).toEqual(before);
    await page.close();
  });

  test('the panel styles nothing on a normal page and takes no layout space', async () => {
    const page = await pageWith(PAGE);
    const measure = () =>
      page.evaluate(() => {
        const h = document.getElementById('own')!;
        const s = getComputedStyle(h);
        const box = document.getElementById('box')!.getBoundingClientRect();
        return {
          color: s.color,
          size: s.fontSize,
          box: [box.y, box.height],
          sheets: document.styleSheets.length,
        };
      });
    const before = await measure();
    await mount(page, viewModel);
    expect(await measure()).toEqual(before);
    await page.close();
  });

  test('keyboard: the toggle collapses and expands, Escape collapses and returns focus; state is reported', async () => {
    const page = await pageWith(PAGE);
    await mount(page, viewModel);
    const toggle = page.locator('[data-gh=toggle]');
    const body = page.locator('[data-gh=body]');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.tagName.toLowerCase())).toBe(
      'gatehouse-access-panel',
    );
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await body.isVisible()).toBe(false);
    await page.keyboard.press('Space');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(
        () => document.querySelector('gatehouse-access-panel')!.shadowRoot!.activeElement?.id,
      ),
    ).toBe('gh-body');
    await page.keyboard.press('Escape');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(
      await page.evaluate(
        () => document.querySelector('gatehouse-access-panel')!.shadowRoot!.activeElement?.className,
      ),
    ).toBe('toggle');
    expect(await page.evaluate(() => (window as unknown as { collapses: unknown[] }).collapses)).toEqual([
      { key: viewModel.key, collapsed: true },
      { key: viewModel.key, collapsed: false },
      { key: viewModel.key, collapsed: true },
    ]);
    await page.close();
  });

  test('without a remembered state: collapsed with access, open without', async () => {
    const page = await pageWith(PAGE);
    await mount(page, { ...viewModel, collapsed: null });
    expect(await page.locator('[data-gh=toggle]').getAttribute('aria-expanded')).toBe('false');
    await mount(page, { ...outsiderModel, key: 'other/app', collapsed: null });
    expect(await page.locator('[data-gh=toggle]').getAttribute('aria-expanded')).toBe('true');
    await page.close();
  });

  test('axe finds no accessibility violations in the open panel (with and without access, stale)', async () => {
    const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    for (const model of [
      viewModel,
      outsiderModel,
      { ...viewModel, stale: true, staleReason: 'unreachable' as const },
    ]) {
      const page = await pageWith(PAGE);
      await mount(page, model);
      await page.addScriptTag({ content: axe });
      const violations = await page.evaluate(async () => {
        const w = window as unknown as {
          axe: { run(ctx: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> };
        };
        const result = await w.axe.run({ include: [['gatehouse-access-panel']] });
        return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
      });
      expect(violations).toEqual([]);
      await page.close();
    }
  });

  test('a remembered collapsed state is applied on first render', async () => {
    const page = await pageWith(PAGE);
    await mount(page, { ...viewModel, collapsed: true });
    expect(await page.locator('[data-gh=toggle]').getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('[data-gh=badge]').textContent()).toBe('View');
    await page.close();
  });
});
