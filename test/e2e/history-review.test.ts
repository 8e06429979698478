/**
 * History for an access review (issue 11 #9), in real Chromium: every line says exactly what changed
 * (archived or restored, role from → to, who joined and who left, only the fields that changed), the page
 * filters by person concerned, by group or app and by kind of change, and its CSV has the same detail.
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E } from './harness.ts';

let e: E2E;
let page: Page;
const W = '/api/workspaces/nexus';

async function ok(method: string, path: string, body?: unknown) {
  const r = await e.api<Record<string, { id: string }>>(method, `${W}${path}`, body, e.adminToken);
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body;
}

const rows = () => page.getByTestId('history-row').locator('td:nth-child(3)').allTextContents();

beforeAll(async () => {
  e = await startE2E();
  const sam = await e.addUser('sam@nexus.test', 'end-user', 'Sam');
  const hana = await e.addUser('hana@nexus.test', 'builder', 'Hana');
  const ben = await e.addUser('ben@nexus.test', 'end-user', 'Ben');
  await ok('POST', `/users/${sam}/archive`);
  await ok('PATCH', `/users/${hana}`, { role: 'admin', allowRoleChange: true });
  const finance = (await ok('POST', '/groups', { name: 'Finance' })).group!.id;
  await ok('POST', `/groups/${finance}/members`, { userIds: [hana, ben] });
  await ok('DELETE', `/groups/${finance}/members/${ben}`);
  const crm = (await ok('POST', '/apps', { name: 'crm', urlPatterns: ['https://crm.example.com/*'] })).app!
    .id;
  await ok('PATCH', `/apps/${crm}`, { name: 'CRM' });
  ({ page } = await e.signedIn());
  await openSettings(page, e.url, 'history');
  await page.getByTestId('history-row').first().waitFor();
});

afterAll(async () => {
  await e?.close();
});

describe('history', () => {
  it('every line says exactly what changed and whom it concerned', async () => {
    const all = await rows();
    expect(all).toContainEqual(expect.stringMatching(/^User “sam@nexus\.test”: archived$/));
    expect(all).toContainEqual(expect.stringMatching(/^User “hana@nexus\.test”: role “Builder” → “Admin”$/));
    expect(all).toContainEqual(
      expect.stringMatching(/^Group “Finance”: added (hana|ben)@nexus\.test, (hana|ben)@nexus\.test$/),
    );
    expect(all).toContainEqual('Group “Finance”: removed ben@nexus.test');
    expect(all).toContainEqual('App “CRM”: name “crm” → “CRM”');
  });

  it('filters by person concerned, by group or app, and by kind of change', async () => {
    await page.getByTestId('history-person').selectOption({ label: 'ben@nexus.test' });
    const ben = await rows();
    expect(ben.length).toBeGreaterThan(0);
    for (const r of ben) expect(r).toContain('ben@nexus.test');
    expect(ben).toContain('Group “Finance”: removed ben@nexus.test');
    expect(ben.some((r) => r.includes('sam@'))).toBe(false);
    await page.getByTestId('history-person').selectOption('');

    await page.getByTestId('history-kind').selectOption('role');
    expect(await rows()).toEqual(['User “hana@nexus.test”: role “Builder” → “Admin”']);
    await page.getByTestId('history-kind').selectOption('members');
    await expect.poll(async () => (await rows()).every((r) => r.startsWith('Group “Finance”: '))).toBe(true);
    expect((await rows()).length).toBe(2);
    await page.getByTestId('history-kind').selectOption('');

    await page.getByTestId('history-entity').selectOption({ label: 'CRM' });
    expect(await rows()).toEqual(['App “CRM”: name “crm” → “CRM”', 'App “crm”: created']);
  });

  it('the CSV of the shown entries has the same detail', async () => {
    await page.getByTestId('history-entity').selectOption('');
    await page.getByTestId('history-kind').selectOption('role');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('history-csv').click(),
    ]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('when,who,what changed,kind,concerns,source,action');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('User “hana@nexus.test”: role “Builder” → “Admin”');
    expect(lines[1]).toContain('users:hana@nexus.test');
  });
});
