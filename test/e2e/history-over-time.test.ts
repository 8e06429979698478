/**
 * Permission history in the admin app (issue 15), in real Chromium: History → Access over time shows a
 * user's timeline (a chart and every change with its author), their access as of a past moment (read-only,
 * marked, back to now), and Undo… on a membership removal previews what it gives back and undoes it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E } from './harness.ts';

let e: E2E;
let page: Page;
let eve = '';
let hr = '';
/** A moment while eve was in HR (whole seconds apart from the changes: the date picker has seconds). */
let during = 0;
const W = '/api/workspaces/nexus';

async function ok(method: string, path: string, body?: unknown) {
  const r = await e.api<Record<string, { id: string }>>(method, `${W}${path}`, body, e.adminToken);
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body;
}

const secondLater = async () => {
  const until = Date.now() + 1_200;
  while (Date.now() < until) await new Promise((r) => setTimeout(r, 50));
};
/** `t` as a datetime-local value with seconds, in the browser's (= this machine's) time zone. */
const localValue = (t: number) =>
  new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);

beforeAll(async () => {
  e = await startE2E();
  eve = await e.addUser('eve@nexus.test', 'end-user', 'Eve');
  hr = (await ok('POST', '/groups', { name: 'HR' })).group!.id;
  await ok('POST', '/apps', { name: 'Payroll', urlPatterns: ['https://payroll.example.com/*'] });
  await ok('POST', `/groups/${hr}/members`, { userIds: [eve] });
  await secondLater();
  during = Date.now();
  await secondLater();
  await ok('DELETE', `/groups/${hr}/members/${eve}`);
  ({ page } = await e.signedIn());
  await openSettings(page, e.url, 'history');
  await page.getByTestId('history-row').first().waitFor();
}, 180_000);

afterAll(async () => {
  await e?.close();
});

describe('History → Access over time', () => {
  it('shows a user’s timeline: a chart and each change with its author', async () => {
    await page.getByTestId('history-tab-over-time').click();
    await page.getByTestId('aot-user').selectOption({ label: 'eve@nexus.test' });
    await page.getByTestId('timeline-chart').waitFor();
    expect(await page.getByTestId('timeline-bar').count()).toBeGreaterThan(0);
    const events = await page.getByTestId('aot-event').allTextContents();
    expect(events.some((t) => t.includes('Joined “HR”') && t.includes('ada@nexus.test'))).toBe(true);
    expect(events.some((t) => t.includes('Left “HR”'))).toBe(true);
  });

  it('shows her access as of a past moment, read-only and marked, with a way back to now', async () => {
    await page.getByTestId('asof-date').fill(localValue(during));
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.getByTestId('asof-banner').textContent()).toContain('Read-only: as of');
    await expect.poll(() => page.locator('.asof').textContent()).toContain('groups: HR');
    await page.getByRole('button', { name: 'Back to now' }).click();
    expect(await page.getByTestId('asof-banner').count()).toBe(0);
  });
});

describe('Every page as of a date', () => {
  it('shows the workspace as it was, read-only and marked on every page, then back to now', async () => {
    await openSettings(page, e.url, `groups/${hr}`);
    await page.getByTestId('add-users').waitFor();
    expect(await page.getByTestId('member-row').allTextContents()).not.toContain('Eve');

    // Before the kept history: a clear error, nothing changes.
    await page.getByTestId('as-of-open').click();
    await page.getByTestId('as-of-input').fill('2001-01-01T10:00:00');
    await page.getByRole('button', { name: 'View', exact: true }).click();
    await expect.poll(() => page.getByTestId('as-of-error').textContent()).toContain('No history is kept');
    expect(await page.getByTestId('as-of-banner').count()).toBe(0);

    await page.getByTestId('as-of-input').fill(localValue(during));
    await page.getByRole('button', { name: 'View', exact: true }).click();
    await expect.poll(() => page.getByTestId('as-of-banner').textContent()).toContain('read-only');
    await expect.poll(() => page.getByTestId('member-row').allTextContents()).toContain('Eve');
    // Read-only: no way to add, remove or act on the group.
    expect(await page.getByTestId('add-users').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Actions for HR' }).count()).toBe(0);

    // Another page keeps the moment; pages outside the doc say they show the present.
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByTestId('user-row').first().waitFor();
    expect(await page.getByTestId('as-of-banner').textContent()).toContain('Viewing as of');
    expect(await page.getByTestId('invite-user').count()).toBe(0);
    await page.getByRole('link', { name: 'Single sign-on', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('as-of-banner').textContent())
      .toContain('not kept in the history');

    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await page.getByRole('link', { name: 'HR', exact: true }).click();
    await expect.poll(() => page.getByTestId('member-row').allTextContents()).toContain('Eve');

    // History's log ends at the moment viewed: the later removal is not in it, and nothing can be undone.
    await page.getByRole('link', { name: 'History', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('history-row').allTextContents())
      .toContainEqual(expect.stringContaining('Group “HR”: added eve@nexus.test'));
    expect(await page.locator('.count').textContent()).toContain('up to');
    expect(
      await page.getByTestId('history-row').filter({ hasText: 'Group “HR”: removed eve@nexus.test' }).count(),
    ).toBe(0);
    expect(await page.getByTestId('undo-open').count()).toBe(0);
    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await page.getByRole('link', { name: 'HR', exact: true }).click();
    await page.getByTestId('member-row').first().waitFor();
    await page.getByTestId('as-of-back').click();
    expect(await page.getByTestId('as-of-banner').count()).toBe(0);
    await page.getByTestId('add-users').waitFor();
    await expect.poll(() => page.getByTestId('member-row').allTextContents()).not.toContain('Eve');
    await openSettings(page, e.url, 'history');
    await page.getByTestId('history-row').first().waitFor();
  });
});

describe('History → Undo', () => {
  it('undoes a membership removal after previewing what it gives back', async () => {
    await page.getByTestId('history-tab-log').click();
    const row = page.getByTestId('history-row').filter({ hasText: 'Group “HR”: removed eve@nexus.test' });
    await row.getByTestId('undo-open').click();
    await expect
      .poll(() => row.getByTestId('undo-impact').textContent())
      .toContain('Adds a member back to “HR”');
    await row.getByTestId('undo-confirm').click();
    await expect
      .poll(async () => {
        const g = await e.api<{ group: { members: string[] } }>(
          'GET',
          `${W}/groups/${hr}`,
          undefined,
          e.adminToken,
        );
        return g.body.group.members;
      })
      .toContain(eve);
    await expect
      .poll(() => page.getByTestId('history-row').first().textContent(), { timeout: 15_000 })
      .toContain('eve@nexus.test');
  });
});
