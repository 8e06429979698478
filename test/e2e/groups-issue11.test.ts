/**
 * Issue 11 in real Chromium: duplicates of default groups (#3), the grant dialog's free name, single error
 * and radio groups (#5, #6, #10), focus after Create / Add users / Remove / Esc from a kebab's dialog and
 * the skip link (#10), and the rough edges of groups, previews and the matrix legend.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readState } from '../../core/index.ts';
import { connect, run, synced, until } from '../sync-server/helpers.ts';
import { type E2E, openSettings, PASSWORD, startE2E, toast } from './harness.ts';

let e: E2E;
let page: Page;
const W = '/api/workspaces/nexus';
const TAKEN = 'Permission name already exists in this group';
let salesId = '';

interface GroupJson {
  id: string;
  name: string;
  flags: Record<string, boolean>;
  grants: { name: string; level: string; scope: string }[];
}

async function groups(): Promise<GroupJson[]> {
  const r = await e.api<{ groups: GroupJson[] }>('GET', `${W}/groups`, undefined, e.adminToken);
  return r.body.groups;
}

/** What has the focus, in words a test can compare. */
function focused(p: Page): Promise<string> {
  return p.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    const id = el.dataset.testid ? `[${el.dataset.testid}]` : '';
    return `${el.tagName.toLowerCase()}${id} ${el.getAttribute('aria-label') ?? el.textContent?.trim() ?? ''}`;
  });
}

async function kebab(groupName: string, action: 'Duplicate' | 'Delete') {
  await page
    .getByTestId('group-row')
    .filter({ has: page.getByRole('link', { name: groupName, exact: true }) })
    .getByRole('button', { name: `Actions for ${groupName}` })
    .click();
  await page.getByRole('menuitem', { name: action }).click();
}

async function openGroup(name: string, tab?: string) {
  await openSettings(page, e.url);
  await page.getByRole('link', { name, exact: true }).click();
  await page.getByTestId('group-title').filter({ hasText: name }).waitFor();
  if (tab) await page.getByRole('tab', { name: tab }).click();
}

beforeAll(async () => {
  e = await startE2E();
  await e.addUser('eve@nexus.test', 'end-user', 'Eve Everyone');
  await e.addUser('ben@nexus.test', 'builder', 'Ben Builder');
  await e.addUser('bea@nexus.test', 'builder', 'Bea Builder');
  for (const name of ['Atlas', 'Billing', 'CRM', 'Docs', 'Expenses', 'Forms', 'Gantt', 'Helpdesk'])
    await e.api('POST', `${W}/apps`, { name, urlPatterns: [] }, e.adminToken);
  const sales = await e.api<{ group: { id: string } }>(
    'POST',
    `${W}/groups`,
    { name: 'Sales' },
    e.adminToken,
  );
  salesId = sales.body.group.id;
  await e.api(
    'POST',
    `${W}/groups/${salesId}/grants`,
    {
      name: 'Apps',
      resourceType: 'app',
      scope: 'all',
      resourceIds: [],
      level: 'view',
      hideFromDashboard: false,
    },
    e.adminToken,
  );
  ({ page } = await e.signedIn());
});

afterAll(async () => {
  await e?.close();
});

describe('grant dialog', () => {
  it('proposes a free name and shows a name error once (#5, #6)', async () => {
    await openGroup('Sales', 'Granular access');
    await page.getByTestId('add-grant-app').click();
    const d = page.getByTestId('grant-dialog');
    expect(await d.getByLabel('Permission name').inputValue()).toBe('Apps 2');
    expect(await d.getByTestId('grant-name-error').textContent()).toBe('');
    await d.getByLabel('Permission name').fill('apps');
    await d.getByTestId('grant-name-error').filter({ hasText: TAKEN }).waitFor();
    await d.getByRole('button', { name: 'Add' }).click();
    await new Promise((r) => setTimeout(r, 200));
    expect(await d.getByText(TAKEN).count()).toBe(1);
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'detached' });
  });

  it('makes each set of radios one Tab stop, moved with the arrows (#10)', async () => {
    await openGroup('Sales', 'Granular access');
    await page.getByTestId('add-grant-app').click();
    const d = page.getByTestId('grant-dialog');
    await d.getByLabel('Permission name').focus();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatch(/^input/);
    expect(
      await d.getByRole('radio', { name: /All apps/ }).evaluate((el) => el === document.activeElement),
    ).toBe(true);
    // The next Tab leaves the Resources radios for the Permission radios (the checked one, View).
    await page.keyboard.press('Tab');
    const view = d.getByRole('radio', { name: /^View/ });
    expect(await view.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('ArrowUp');
    expect(await d.getByRole('radio', { name: /^Edit/ }).isChecked()).toBe(true);
    expect(
      await d.getByRole('radio', { name: /^Edit/ }).evaluate((el) => el === document.activeElement),
    ).toBe(true);
    await d.getByRole('group', { name: 'Permission' }).waitFor();
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'detached' });
  });
});

describe('duplicating a default group (#3)', () => {
  it('shows what the Admin copy will hold and copies exactly that', async () => {
    await openSettings(page, e.url);
    await kebab('Admin', 'Duplicate');
    const d = page.getByTestId('duplicate-dialog');
    await expect(d.getByTestId('dup-users').textContent()).resolves.toContain('ada@nexus.test');
    await expect(d.getByTestId('dup-permissions').textContent()).resolves.toContain('Apps: create');
    await expect(d.getByTestId('dup-apps').textContent()).resolves.toContain('Edit on all apps');
    await expect(d.getByTestId('dup-dataSources').textContent()).resolves.toContain(
      'Configure on all data sources',
    );
    await expect(d.getByTestId('dup-name').textContent()).resolves.toContain('Admin_copy');
    await expect(d.getByTestId('dup-note').textContent()).resolves.toContain('custom group');
    await d.getByRole('button', { name: 'Duplicate' }).click();
    await toast(page, 'Group duplicated successfully!');
    await page.getByTestId('group-title').filter({ hasText: 'Admin_copy' }).waitFor();
    await page.getByTestId('member-row').filter({ hasText: 'Ada Admin' }).waitFor();
    await expect
      .poll(async () => (await groups()).find((g) => g.name === 'Admin_copy')?.grants.length)
      .toBe(2);
    const copy = (await groups()).find((g) => g.name === 'Admin_copy')!;
    expect(Object.values(copy.flags).every(Boolean)).toBe(true);
  });

  it('copies the End-user role’s users and grants', async () => {
    await openSettings(page, e.url);
    await kebab('End-user', 'Duplicate');
    const d = page.getByTestId('duplicate-dialog');
    await expect(d.getByTestId('dup-users').textContent()).resolves.toContain('eve@nexus.test');
    await expect(d.getByTestId('dup-dataSources').textContent()).resolves.toContain('no permissions to copy');
    await d.getByRole('button', { name: 'Duplicate' }).click();
    await page.getByTestId('group-title').filter({ hasText: 'End-user_copy' }).waitFor();
    await page.getByTestId('member-row').filter({ hasText: 'Eve Everyone' }).waitFor();
    await page.getByRole('tab', { name: 'Granular access' }).click();
    await expect(page.getByTestId('grants-app').getByTestId('grant-row').count()).resolves.toBe(1);
  });
});

describe('focus (#10)', () => {
  it('puts a fresh page’s first Tab stop on the skip link, which moves focus to the content', async () => {
    await openSettings(page, e.url);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toContain('[skip-link]');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatch(/^main/);
  });

  it('gives the new group’s title the focus after Create group', async () => {
    await openSettings(page, e.url);
    await page.getByTestId('create-group').click();
    await page.getByTestId('create-group-dialog').getByLabel('Group name').fill('Focus team');
    await page.keyboard.press('Enter');
    await page.getByTestId('group-title').filter({ hasText: 'Focus team' }).waitFor();
    await expect.poll(() => focused(page)).toContain('[group-title] Focus team');
  });

  it('keeps the focus in the Users tab after Add users and Remove', async () => {
    await openGroup('Focus team');
    await page.getByRole('checkbox', { name: /Eve Everyone/ }).check();
    await page.getByRole('checkbox', { name: /Ben Builder/ }).check();
    await page.getByTestId('add-users-button').click();
    await toast(page, 'Users added to the group');
    await expect.poll(() => focused(page)).toContain('[add-user-search]');
    // Remove the first member: the next member's Remove takes the focus; the last: the member count.
    await page.getByRole('button', { name: 'Remove ben@nexus.test from Focus team' }).click();
    await expect.poll(() => focused(page)).toContain('Remove eve@nexus.test from Focus team');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toContain('[member-count] 0 users');
  });

  it('returns the focus to the kebab button on Esc from a kebab-opened Delete dialog', async () => {
    await openSettings(page, e.url);
    await kebab('Focus team', 'Delete');
    await page.getByTestId('delete-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('delete-dialog').waitFor({ state: 'detached' });
    expect(await focused(page)).toContain('Actions for Focus team');
  });

  it('gives the Groups heading the focus after deleting a group from its row', async () => {
    await openSettings(page, e.url);
    await kebab('Focus team', 'Delete');
    await page.getByTestId('delete-dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('link', { name: 'Focus team' }).waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('h1 Groups');
  });
});

describe('rough edges', () => {
  it('lists the first users in the Add-users picker before any typing', async () => {
    await openGroup('Sales');
    expect(await page.getByTestId('add-user-search').inputValue()).toBe('');
    await page.getByTestId('add-candidates').getByText('Eve Everyone').waitFor();
  });

  it('shows the Admin group’s "not editable" banner once, on every tab', async () => {
    const reason = 'Admin has edit access to all apps. These are not editable';
    for (const tab of ['Users', 'Permissions', 'Granular access']) {
      await openGroup('Admin', tab);
      expect(await page.getByText(reason).count()).toBe(1);
    }
  });

  it('says on the Permissions tab that a flag makes the group builder-level', async () => {
    await openGroup('Sales', 'Permissions');
    await expect(page.getByTestId('builder-level-hint').textContent()).resolves.toContain('builder-level');
  });

  it('previews a change to the Builder group’s flags: who loses it; Cancel changes nothing', async () => {
    await openGroup('Builder', 'Permissions');
    const flag = page.getByTestId('flag-appCreate');
    expect(await flag.isChecked()).toBe(true);
    await flag.uncheck();
    const d = page.getByTestId('flags-preview');
    await expect(d.textContent()).resolves.toContain('Apps: create: on → off');
    await expect(d.getByTestId('flags-preview-users').textContent()).resolves.toMatch(
      /bea@nexus\.test.*ben@nexus\.test/s,
    );
    await d.getByRole('button', { name: 'Cancel' }).click();
    await d.waitFor({ state: 'detached' });
    expect(await flag.isChecked()).toBe(true);
    await flag.uncheck();
    await page.getByTestId('flags-preview').getByRole('button', { name: 'Confirm' }).click();
    await toast(page, 'Group permissions updated');
    await expect
      .poll(async () => (await groups()).find((g) => g.name === 'Builder')?.flags.appCreate)
      .toBe(false);
  });

  it('names the apps of "all other apps" in a preview, the rest behind "and N more"', async () => {
    // Eve joins Sales; giving Sales Edit on all apps would make her a Builder: the confirmation shows it.
    await e.api(
      'POST',
      `${W}/groups/${salesId}/members`,
      { userIds: [await userId('eve@nexus.test')] },
      e.adminToken,
    );
    await openGroup('Sales', 'Granular access');
    await page.getByTestId('add-grant-app').click();
    const gd = page.getByTestId('grant-dialog');
    await gd.getByRole('radio', { name: /^Edit/ }).check();
    await gd.getByRole('button', { name: 'Add' }).click();
    const c = page.getByTestId('confirm-dialog');
    await expect(c.getByTestId('star-names').first().textContent()).resolves.toContain(
      'Atlas, Billing, CRM, Docs, Expenses',
    );
    await expect(c.getByTestId('star-more').first().textContent()).resolves.toContain('and 3 more');
    await c.getByTestId('star-more').first().click();
    await expect(c.getByTestId('star-rest').first().textContent()).resolves.toBe('Forms, Gantt, Helpdesk');
    await c.getByRole('button', { name: 'Cancel' }).click();
  });

  it('explains the hatched cells in the matrix legend', async () => {
    await openSettings(page, e.url, 'access-matrix');
    await expect(page.getByTestId('matrix-legend').textContent()).resolves.toContain(
      'hidden from the dashboard',
    );
  });
});

describe('conflict cards (#8)', () => {
  it('show only the edits that met, each with its direction', async () => {
    await e.addUser('bo@nexus.test', 'admin', 'Bo');
    const login = await e.api<{ token: string }>('POST', '/api/login', {
      email: 'bo@nexus.test',
      password: PASSWORD,
    });
    const port = new URL(e.url).port;
    const t = {
      server: e.server,
      url: e.url,
      wsUrl: `ws://127.0.0.1:${port}/sync`,
      dataDir: '',
      close: async () => {},
    };
    const team = await e.api<{ group: { id: string } }>(
      'POST',
      `${W}/groups`,
      { name: 'Team' },
      e.adminToken,
    );
    const id = team.body.group.id;
    // Earlier, unrelated: a rename and a flag ticked then un-ticked.
    await e.api('PATCH', `${W}/groups/${id}`, { name: 'Team A' }, e.adminToken);
    for (const on of [true, false])
      await e.api('PUT', `${W}/groups/${id}/permissions`, { appDelete: on }, e.adminToken);
    const a = connect(t, 'nexus', e.adminToken);
    const b = connect(t, 'nexus', login.body.token);
    await Promise.all([synced(a), synced(b)]);
    b.provider.disconnect();
    run(a.doc, { type: 'group.setFlags', groupId: id, flags: { appCreate: true } });
    run(b.doc, { type: 'group.addMembers', groupId: id, userIds: [await userId('eve@nexus.test')] });
    await until(async () => (await groups()).find((g) => g.id === id)?.flags.appCreate === true);
    b.provider.connect();
    await until(() => readState(a.doc).conflicts.size > 0, 5000, 'conflict record');
    a.destroy();
    b.destroy();

    await openSettings(page, e.url, 'conflicts');
    const card = page.getByTestId('conflict').filter({ hasText: 'Team A' });
    const edits = card.getByTestId('conflict-edit');
    await expect(edits.count()).resolves.toBe(2);
    await expect(edits.nth(0).textContent()).resolves.toMatch(/Ada Admin.*“Team A”: Apps: create off → on/s);
    await expect(edits.nth(1).textContent()).resolves.toMatch(/Bo.*Added eve@nexus\.test to “Team A”/s);
  });
});

async function userId(email: string): Promise<string> {
  const r = await e.api<{ users: { id: string; email: string }[] }>(
    'GET',
    `${W}/users`,
    undefined,
    e.adminToken,
  );
  return r.body.users.find((u) => u.email === email)!.id;
}
