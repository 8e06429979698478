/**
 * Issue 11 bug 1: the service worker cached any successful navigation as the app's offline start page, so
 * after opening /healthz (or a demo app page) on the same origin, the app offline showed `{"ok":true}`.
 * Only the server-marked app shell is cached as the shell, and non-app paths are never served from it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E } from './harness.ts';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
});
afterAll(async () => {
  await e?.close();
});

it('opening /healthz or a demo app page online does not replace the offline app shell', async () => {
  const { context, page } = await e.signedIn();
  await openSettings(page, e.url);
  await page.locator('html[data-offline-ready=true]').waitFor({ timeout: 15_000 });
  // Online, two same-origin pages that are not the app.
  await page.goto(`${e.url}/healthz`);
  expect(await page.textContent('body')).toContain('"ok":true');
  await page.goto(`${e.url}/demo-apps/hr-portal`);
  await context.setOffline(true);
  // Offline, the app still starts: the shell was not overwritten.
  await page.goto(`${e.url}/nexus/workspace-settings/groups`);
  await page.getByRole('button', { name: '+ Create new group' }).waitFor({ timeout: 10_000 });
  expect(await page.textContent('body')).not.toContain('"ok":true');
  // Offline, a non-app path is not answered with the app shell.
  const healthz = await page.goto(`${e.url}/healthz`).catch((err: Error) => err);
  if (!(healthz instanceof Error)) expect(await page.textContent('body')).not.toContain('Create new group');
  await context.setOffline(false);
  await context.close();
});
