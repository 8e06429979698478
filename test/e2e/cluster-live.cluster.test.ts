/**
 * Two instances (GATEHOUSE_TEST_CLUSTER=2, the `cluster-2` vitest project): the admin app in Chromium on
 * instance A, REST calls on instance B, and each sees the other's changes live — through PostgreSQL and
 * Redis only, as the two instances share nothing else.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type E2E, openSettings, PASSWORD, startE2E } from './harness.ts';

let e: E2E;
let page: Page;
let a = '';
let b = '';
const W = '/api/workspaces/nexus';

// biome-ignore lint/suspicious/noExplicitAny: response JSON is read loosely in tests
async function onB(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(b + p, {
    method,
    headers: { authorization: `Bearer ${e.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, body: await r.json() };
}

beforeAll(async () => {
  e = await startE2E();
  expect(e.instances.length, 'run with GATEHOUSE_TEST_CLUSTER=2 (npm test does)').toBeGreaterThanOrEqual(2);
  a = e.instances[0]!.url;
  b = e.instances[1]!.url;
  const context = await e.browser.newContext({ viewport: { width: 1024, height: 768 } });
  page = await context.newPage();
  await page.goto(`${a}/login`);
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
});

afterAll(async () => {
  await e?.close();
});

describe('a browser on instance A, REST on instance B', () => {
  it('the admin app on A shows a group created and renamed on B, live', async () => {
    await openSettings(page, a, 'groups');
    expect(new URL(page.url()).origin).toBe(a);
    const created = await onB('POST', `${W}/groups`, { name: 'Made on B' });
    expect(created.status).toBe(201);
    await page.getByText('Made on B').first().waitFor({ timeout: 15_000 });
    const renamed = await onB('PATCH', `${W}/groups/${created.body.group.id}`, { name: 'Renamed on B' });
    expect(renamed.status).toBe(200);
    await page.getByText('Renamed on B').first().waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByText('Made on B').count(), { timeout: 15_000 }).toBe(0);
  });

  it('a user invited on B appears in the users list on A, and a change made on A is read on B', async () => {
    await openSettings(page, a, 'users');
    const invited = await onB('POST', `${W}/users`, {
      email: 'remote@nexus.test',
      name: 'Remote Invitee',
      role: 'end-user',
    });
    expect(invited.status).toBe(201);
    await page
      .getByTestId('user-row')
      .filter({ hasText: 'remote@nexus.test' })
      .first()
      .waitFor({ timeout: 15_000 });
    // Back the other way: archived in the app on A, B's REST answer says so.
    await page.getByRole('button', { name: 'Archive remote@nexus.test' }).click();
    await expect
      .poll(
        async () => {
          const users = await onB('GET', `${W}/users`);
          return users.body.users.find((u: { email: string }) => u.email === 'remote@nexus.test')?.status;
        },
        { timeout: 15_000 },
      )
      .toBe('archived');
  });
});
