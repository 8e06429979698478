/**
 * Issue 11 bug 2: with the server down and the network up, the badge said "Syncing… · 1 change waiting"
 * forever. It says the server cannot be reached and since when, keeps counting waiting changes, and keeps
 * retrying.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E } from './harness.ts';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
});
afterAll(async () => {
  await e?.close().catch(() => {});
});

it('says the server cannot be reached (since when), counts waiting changes and retries', async () => {
  const { context, page } = await e.signedIn();
  await openSettings(page, e.url);
  await page.locator('html[data-offline-ready=true]').waitFor({ timeout: 15_000 });
  await e.server.close();
  const status = page.getByTestId('sync-status');
  await page.locator('[data-testid=sync-status][data-link=unreachable]').waitFor({ timeout: 15_000 });
  expect(await status.textContent()).toMatch(/^Can’t reach the server since \d{1,2}:\d{2}.* — retrying$/);
  await page.getByRole('button', { name: '+ Create new group' }).click();
  const dialog = page.getByTestId('create-group-dialog');
  await dialog.getByLabel('Group name').fill('While down');
  await dialog.getByRole('button', { name: 'Create Group' }).click();
  await page.locator('[data-testid=sync-status][data-waiting="1"]').waitFor();
  // Still unreachable after a retry or two (backoff), and still counting.
  await page.waitForTimeout(2500);
  expect(await status.getAttribute('data-link')).toBe('unreachable');
  expect(await status.textContent()).toMatch(
    /Can’t reach the server since .* — retrying · 1 change waiting$/,
  );
  await context.close();
});
