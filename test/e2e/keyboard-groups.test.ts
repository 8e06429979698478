/**
 * Issue 11 acceptance: the Groups flows with the keyboard only, in real Chromium — create a group, add
 * users, add a grant, duplicate, delete. No click: Tab, Shift+Tab, arrows, Space, Enter and Escape.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E, toast } from './harness.ts';

let e: E2E;
let page: Page;
const W = '/api/workspaces/nexus';

/** The focused element as `tag[testid] name` (name: aria-label, else its text). */
function focused(): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    const id = el.dataset.testid ? `[${el.dataset.testid}]` : '';
    const label = el.getAttribute('aria-label') ?? (el.closest('label')?.textContent || el.textContent) ?? '';
    return `${el.tagName.toLowerCase()}${id} ${label.replace(/\s+/g, ' ').trim()}`;
  });
}

/** Presses Tab (or Shift+Tab) until the focused element matches; fails after `max` presses. */
async function tabTo(match: RegExp, { back = false, max = 60 } = {}): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    const now = await focused();
    if (match.test(now)) return;
    seen.push(now);
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`no Tab stop matches ${match}; went through:\n${seen.join('\n')}`);
}

async function groupNamed(name: string) {
  const r = await e.api<{ groups: { id: string; name: string; members?: string[]; grants: unknown[] }[] }>(
    'GET',
    `${W}/groups`,
    undefined,
    e.adminToken,
  );
  return r.body.groups.find((g) => g.name === name);
}

beforeAll(async () => {
  e = await startE2E();
  await e.addUser('eve@nexus.test', 'end-user', 'Eve Everyone');
  await e.addUser('ivy@nexus.test', 'end-user', 'Ivy Inbox');
  ({ page } = await e.signedIn());
});

afterAll(async () => {
  await e?.close();
});

describe('keyboard only', () => {
  it('creates a group', async () => {
    await openSettings(page, e.url);
    await tabTo(/\[create-group\]/);
    await page.keyboard.press('Enter');
    await page.getByTestId('create-group-dialog').waitFor();
    expect(await focused()).toMatch(/^input/);
    await page.keyboard.type('Keyboard crew');
    await page.keyboard.press('Enter');
    await toast(page, 'Group has been created');
    await page.getByTestId('group-title').filter({ hasText: 'Keyboard crew' }).waitFor();
    await expect.poll(() => focused()).toContain('[group-title] Keyboard crew');
  });

  it('adds users', async () => {
    await tabTo(/\[add-user-search\]/);
    await page.keyboard.type('eve');
    await tabTo(/^input Eve Everyone/);
    await page.keyboard.press('Space');
    await tabTo(/\[add-users-button\]/);
    await page.keyboard.press('Enter');
    await toast(page, 'Users added to the group');
    await page.getByTestId('member-row').filter({ hasText: 'Eve Everyone' }).waitFor();
    await expect.poll(() => focused()).toContain('[add-user-search]');
    await expect.poll(async () => (await groupNamed('Keyboard crew'))?.members?.length ?? 0).toBe(1);
  });

  it('adds a grant', async () => {
    // The tabs are one Tab stop; the arrows move between them.
    await tabTo(/^button Users$/);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => focused()).toBe('button Granular access');
    await tabTo(/\[add-grant-app\]/);
    await page.keyboard.press('Enter');
    const d = page.getByTestId('grant-dialog');
    await d.waitFor();
    expect(await d.getByLabel('Permission name').inputValue()).toBe('Apps');
    await page.keyboard.press('Enter'); // submits the form from the name field: View on all apps
    await d.waitFor({ state: 'detached' });
    await page.getByTestId('grants-app').getByTestId('grant-row').filter({ hasText: 'Apps' }).waitFor();
    await expect.poll(async () => (await groupNamed('Keyboard crew'))?.grants.length).toBe(1);
  });

  it('duplicates the group', async () => {
    await tabTo(/Actions for Keyboard crew/, { back: true });
    await page.keyboard.press('Enter');
    await expect.poll(() => focused()).toMatch(/^button Duplicate/);
    await page.keyboard.press('Enter');
    await page.getByTestId('duplicate-dialog').waitFor();
    await tabTo(/^button Duplicate$/);
    await page.keyboard.press('Enter');
    await toast(page, 'Group duplicated successfully!');
    await page.getByTestId('group-title').filter({ hasText: 'Keyboard crew_copy' }).waitFor();
    await expect.poll(() => focused()).toContain('[group-title] Keyboard crew_copy');
    // The copy shows as soon as the page has it; the server has it once the page's change has synced.
    await expect
      .poll(async () => {
        const copy = await groupNamed('Keyboard crew_copy');
        return copy && { members: copy.members?.length, grants: copy.grants.length };
      })
      .toEqual({ members: 1, grants: 1 });
  });

  it('deletes the copy (Escape first leaves the focus on the menu button)', async () => {
    await tabTo(/Actions for Keyboard crew_copy/);
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => focused()).toMatch(/^button Delete/);
    await page.keyboard.press('Enter');
    await page.getByTestId('delete-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('delete-dialog').waitFor({ state: 'detached' });
    expect(await focused()).toContain('Actions for Keyboard crew_copy');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.getByTestId('delete-dialog').waitFor();
    await tabTo(/^button Delete$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/workspace-settings\/groups$/);
    await expect.poll(() => focused()).toBe('h1 Groups');
    await expect.poll(async () => (await groupNamed('Keyboard crew_copy')) === undefined).toBe(true);
  });
});
