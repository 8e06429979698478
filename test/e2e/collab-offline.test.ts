/**
 * Two admins live (edits within 1 s, presence, a rule-breaking merge shown as the same conflict to both),
 * and offline: 20 edits, reload with the network off, then back online the edits reach the server.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E, toast } from './harness.ts';

let e: E2E;
let a: { context: BrowserContext; page: Page };
let b: { context: BrowserContext; page: Page };

async function createGroup(page: Page, name: string) {
  await page.getByRole('button', { name: '+ Create new group' }).click();
  const dialog = page.getByTestId('create-group-dialog');
  await dialog.getByLabel('Group name').fill(name);
  await dialog.getByRole('button', { name: 'Create Group' }).click();
  await page.getByTestId('group-title').filter({ hasText: name }).waitFor();
}

async function groupNames(): Promise<string[]> {
  const r = await e.api<{ groups?: { name: string }[] } | { name: string }[]>(
    'GET',
    '/api/workspaces/nexus/groups',
    undefined,
    e.adminToken,
  );
  const list = Array.isArray(r.body) ? r.body : (r.body.groups ?? []);
  return list.map((g) => g.name);
}

beforeAll(async () => {
  e = await startE2E();
  await e.addUser('bob@nexus.test', 'admin', 'Bob Second');
  await e.addUser('eve@nexus.test', 'end-user', 'Eve Everyone');
  a = await e.signedIn();
  b = await e.signedIn('bob@nexus.test');
});

afterAll(async () => {
  await e?.close();
});

describe('two admins', () => {
  it('see each other on the group page and each other’s edits within a second', async () => {
    await openSettings(a.page, e.url);
    await createGroup(a.page, 'Ops');
    const groupUrl = a.page.url();
    await b.page.goto(groupUrl);
    await b.page.getByTestId('group-title').filter({ hasText: 'Ops' }).waitFor();
    // The server vouches for identity: names come from the accounts (Bob accepted without a name).
    await a.page.getByTestId('presence').filter({ hasText: 'bob' }).waitFor();
    await b.page.getByTestId('presence').filter({ hasText: 'Ada Admin' }).waitFor();

    // A adds Eve; B sees it within 1 s.
    await a.page.getByTestId('add-user-search').fill('eve');
    await a.page.getByRole('checkbox', { name: /Eve Everyone/ }).check();
    const t0 = Date.now();
    await a.page.getByTestId('add-users-button').click();
    await b.page.getByTestId('member-row').filter({ hasText: 'Eve Everyone' }).waitFor({ timeout: 1000 });
    expect(Date.now() - t0).toBeLessThan(1000);

    // B removes her; A sees it within 1 s.
    const t1 = Date.now();
    await b.page.getByRole('button', { name: 'Remove eve@nexus.test from Ops' }).click();
    await a.page.getByTestId('member-row').first().waitFor({ state: 'detached', timeout: 1000 });
    expect(Date.now() - t1).toBeLessThan(1000);
  });

  it('a rule-breaking merge shows the same conflict to both', async () => {
    // A, offline, adds end-user Eve to Ops (not builder-level: no dialog)…
    await a.context.setOffline(true);
    await a.page.locator('[data-testid=sync-status][data-link=offline]').waitFor();
    await a.page.getByTestId('add-user-search').fill('eve');
    await a.page.getByRole('checkbox', { name: /Eve Everyone/ }).check();
    await a.page.getByTestId('add-users-button').click();
    await a.page.getByTestId('member-row').filter({ hasText: 'Eve Everyone' }).waitFor();
    // …while B makes Ops builder-level (no end-user in it from B's view: no dialog).
    await b.page.getByRole('tab', { name: 'Permissions' }).click();
    await b.page.getByTestId('flag-appCreate').check();
    await toast(b.page, 'Group permissions updated');
    await a.context.setOffline(false);
    await a.page
      .locator('[data-testid=sync-status][data-waiting="0"][data-link=synced]')
      .waitFor({ timeout: 10_000 });

    for (const p of [a.page, b.page]) {
      await openSettings(p, e.url, 'conflicts');
      const c = p.getByTestId('conflict').first();
      await c.waitFor({ timeout: 5000 });
      await expect(c.textContent()).resolves.toContain('Ops');
    }
    expect(await a.page.getByTestId('conflict').first().textContent()).toBe(
      await b.page.getByTestId('conflict').first().textContent(),
    );
  });
});

describe('offline', () => {
  it('keeps 20 edits across a reload with the network off and syncs them when back online', {
    timeout: 90_000,
  }, async () => {
    const { page, context } = a;
    await openSettings(page, e.url);
    await page.locator('html[data-offline-ready=true]').waitFor({ timeout: 15_000 });
    await context.setOffline(true);
    await page.locator('[data-testid=sync-status][data-link=offline]').waitFor();
    for (let i = 1; i <= 20; i++) {
      await page
        .getByRole('navigation', { name: 'Workspace settings' })
        .getByRole('link', { name: 'Groups' })
        .click();
      await page.getByRole('button', { name: '+ Create new group' }).click();
      const dialog = page.getByTestId('create-group-dialog');
      await dialog.getByLabel('Group name').fill(`Offline ${i}`);
      await dialog.getByRole('button', { name: 'Create Group' }).click();
      await page
        .getByTestId('group-title')
        .filter({ hasText: `Offline ${i}` })
        .waitFor();
    }
    await page.locator('[data-testid=sync-status][data-waiting="20"]').waitFor();
    await expect(page.getByTestId('sync-status').textContent()).resolves.toContain('20 changes waiting');

    await page.reload({ waitUntil: 'domcontentloaded' });
    await page
      .getByTestId('group-title')
      .filter({ hasText: 'Offline 20' })
      .waitFor({ timeout: 10_000 })
      .catch(async (err) => {
        await page.screenshot({ path: 'test-results/offline-reload.png' });
        throw err;
      });
    await page
      .getByRole('navigation', { name: 'Workspace settings' })
      .getByRole('link', { name: 'Groups' })
      .click();
    await page.getByTestId('group-search').fill('Offline');
    await expect.poll(() => page.getByTestId('group-row').count()).toBe(20);
    await page.locator('[data-testid=sync-status][data-waiting="20"]').waitFor();
    expect((await groupNames()).filter((n) => n.startsWith('Offline'))).toEqual([]);

    await context.setOffline(false);
    await page
      .locator('[data-testid=sync-status][data-waiting="0"][data-link=synced]')
      .waitFor({ timeout: 15_000 });
    await expect
      .poll(async () => (await groupNames()).filter((n) => n.startsWith('Offline')).length, { timeout: 5000 })
      .toBe(20);
    await openSettings(b.page, e.url);
    await b.page.getByTestId('group-search').fill('Offline');
    await expect.poll(() => b.page.getByTestId('group-row').count(), { timeout: 5000 }).toBe(20);
  });
});
