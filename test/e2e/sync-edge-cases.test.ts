/**
 * The sync edge cases of issue 4 §4 and §7, in real Chromium against the real server:
 * - the server refuses an update (4422): the admin sees which changes were not accepted and why, and the
 *   app rebuilds from the server's state (the refused change is gone, accepted state intact);
 * - the session is revoked: an edit is kept locally, the app asks to sign in again, then the edit syncs;
 * - the first sync of a big workspace into an empty browser shows a progress indicator until it is done.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { generateWorkspace } from '../../bench/generate-workspace.ts';
import { applyOps, type Op } from '../../core/index.ts';
import { ADMIN, type E2E, openSettings, PASSWORD, startE2E } from './harness.ts';

let e: E2E;

beforeAll(async () => {
  e = await startE2E();
});

afterAll(async () => {
  await e?.close();
});

interface GroupJson {
  id: string;
  name: string;
}

async function serverGroups(slug = 'nexus'): Promise<GroupJson[]> {
  const r = await e.api<{ groups?: GroupJson[] } | GroupJson[]>(
    'GET',
    `/api/workspaces/${slug}/groups`,
    undefined,
    e.adminToken,
  );
  return Array.isArray(r.body) ? r.body : (r.body.groups ?? []);
}

async function createGroup(page: Page, name: string) {
  await page
    .getByRole('navigation', { name: 'Workspace settings' })
    .getByRole('link', { name: 'Groups' })
    .click();
  await page.getByRole('button', { name: '+ Create new group' }).click();
  const dialog = page.getByTestId('create-group-dialog');
  await dialog.getByLabel('Group name').fill(name);
  await dialog.getByRole('button', { name: 'Create Group' }).click();
  await page.getByTestId('group-title').filter({ hasText: name }).waitFor();
}

const synced = '[data-testid=sync-status][data-waiting="0"][data-link=synced]';

describe('the server refuses an update', () => {
  let context: BrowserContext;
  afterAll(async () => {
    await context?.close();
  });

  it('shows which changes were not accepted and why, then rebuilds from the server’s state', async () => {
    let page: Page;
    ({ context, page } = await e.signedIn());
    // `?gatehouse-bench` loads the bench/test hook: it commits raw ops the way the app commits a command.
    await page.goto(`${e.url}/nexus/workspace-settings/groups?gatehouse-bench`);
    await page.locator(synced).waitFor();
    await page.waitForFunction(() => typeof window.gatehouseTestCommit === 'function');

    await createGroup(page, 'Legit');
    await page.locator(synced).waitFor({ timeout: 5000 });
    const legit = (await serverGroups()).find((g) => g.name === 'Legit');
    expect(legit).toBeDefined();

    // Offline: a good edit through the UI, then a rename to a reserved name that only a faulty client
    // would send (the app's own rules refuse it): both travel to the server in one update.
    await context.setOffline(true);
    await page.locator('[data-testid=sync-status][data-link=offline]').waitFor();
    await createGroup(page, 'Collateral');
    const ops: Op[] = [
      { type: 'entity.set', collection: 'groups', id: legit!.id, fields: { name: 'Admin' } },
    ];
    await page.evaluate(
      (o) => window.gatehouseTestCommit!(o as Op[], 'Rename group “Legit” to “Admin”'),
      ops,
    );
    await page.locator('[data-testid=sync-status][data-waiting="2"]').waitFor();

    await context.setOffline(false);
    const dialog = page.getByTestId('refusal-dialog');
    await dialog.waitFor({ timeout: 10_000 });
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain('reserved name'); // why
    expect(text).toContain('Create group “Collateral”'); // which changes
    expect(text).toContain('Rename group “Legit” to “Admin”');

    // Rebuilt from the server: nothing waits, the refused changes are gone, the accepted group is intact.
    await page.locator(synced).waitFor({ timeout: 10_000 });
    await dialog.getByRole('button', { name: 'OK' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByRole('navigation', { name: 'Workspace settings' })
      .getByRole('link', { name: 'Groups' })
      .click();
    await page.getByTestId('group-row').filter({ hasText: 'Legit' }).waitFor();
    expect(await page.getByTestId('group-row').filter({ hasText: 'Collateral' }).count()).toBe(0);
    const names = (await serverGroups()).map((g) => g.name);
    expect(names).toContain('Legit');
    expect(names).not.toContain('Collateral');
    expect(names.filter((n) => n === 'Admin').length).toBe(1); // the default group only
    // A reload starts from the rebuilt replica (no refused change comes back from IndexedDB).
    await page.reload();
    await page.locator(synced).waitFor();
    await page.getByTestId('group-row').filter({ hasText: 'Legit' }).waitFor();
    expect(await page.getByTestId('group-row').filter({ hasText: 'Collateral' }).count()).toBe(0);
  });
});

describe('an expired or revoked session', () => {
  let context: BrowserContext;
  afterAll(async () => {
    await context?.close();
  });

  it('keeps the edit, asks to sign in again, then syncs it', async () => {
    let page: Page;
    ({ context, page } = await e.signedIn());
    await openSettings(page, e.url);

    // Revoke the session on the server (as signing out elsewhere does) while the app is open. The socket
    // is dropped first: the server does not close a revoked session's open sockets (yet), so the edit
    // below would otherwise still go through the socket authorized before the revocation.
    await context.setOffline(true);
    await page.locator('[data-testid=sync-status][data-link=offline]').waitFor();
    const cookie = (await context.cookies(e.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await fetch(`${e.url}/api/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    expect((await fetch(`${e.url}/api/me`, { headers: { cookie } })).status).toBe(401);

    await createGroup(page, 'Kept edit');
    await context.setOffline(false);

    // The socket is refused for the session: the edit stays local and the app asks to sign in.
    const dialog = page.getByRole('dialog', { name: 'Sign in again' });
    await dialog.waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=sync-status][data-waiting="1"]').waitFor();
    await expect(page.getByTestId('sync-status').textContent()).resolves.toContain('sign in');
    await page.getByTestId('group-title').filter({ hasText: 'Kept edit' }).waitFor();
    expect((await serverGroups()).map((g) => g.name)).not.toContain('Kept edit');

    expect(await dialog.getByLabel('Email').inputValue()).toBe(ADMIN);
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator(synced).waitFor({ timeout: 10_000 });
    await expect
      .poll(async () => (await serverGroups()).map((g) => g.name), { timeout: 5000 })
      .toContain('Kept edit');
  });
});

describe('first sync into an empty browser', () => {
  it('shows a progress indicator while it runs and removes it when synced', { timeout: 60_000 }, async () => {
    // A generated workspace stored on the server as `big`, with the admin as one of its admins.
    const generated = generateWorkspace({ users: 3000, groups: 300, apps: 300, dataSources: 30 });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(generated.doc));
    applyOps(doc, [
      {
        type: 'entity.create',
        collection: 'users',
        id: 'bigadmin0001',
        fields: { email: ADMIN, name: 'Ada Admin', role: 'admin', status: 'active', createdAt: 0 },
      },
    ]);
    const storage = e.server.ctx.storage;
    const ws = await storage.createWorkspace({
      slug: 'big',
      name: 'Big Corp',
      initialUpdate: Y.encodeStateAsUpdate(doc),
    });
    await storage.setMemberships(
      ws.id,
      [{ workspaceId: ws.id, userId: 'bigadmin0001', email: ADMIN, role: 'admin', status: 'active' }],
      [],
    );

    const context = await e.browser.newContext({ viewport: { width: 1024, height: 768 } });
    try {
      // Records, inside the page, when the indicator was on screen (painted) and when it went away.
      await context.addInitScript(() => {
        const w = window as unknown as { __firstSync: { shown?: number; gone?: number } };
        w.__firstSync = {};
        new MutationObserver(() => {
          const el = document.querySelector('[data-testid=first-sync] progress');
          if (el && w.__firstSync.shown === undefined)
            requestAnimationFrame(() => {
              if (el.isConnected && el.getBoundingClientRect().width > 0) w.__firstSync.shown ??= Date.now();
            });
          if (!el && w.__firstSync.shown !== undefined) w.__firstSync.gone ??= Date.now();
        }).observe(document, { childList: true, subtree: true });
      });
      const login = await context.request.post(`${e.url}/api/login`, {
        data: { email: ADMIN, password: PASSWORD },
      });
      expect(login.ok()).toBe(true);
      const page = await context.newPage();
      await page.goto(`${e.url}/big/workspace-settings/groups`);
      await page.getByTestId('group-row').first().waitFor({ timeout: 30_000 });
      await page.locator(synced).waitFor();
      const seen = await page.evaluate(
        () => (window as unknown as { __firstSync: { shown?: number; gone?: number } }).__firstSync,
      );
      expect(seen.shown).toBeDefined();
      expect(seen.gone).toBeDefined();
      expect(seen.gone!).toBeGreaterThanOrEqual(seen.shown!);
      expect(await page.getByTestId('first-sync').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
