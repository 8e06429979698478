/**
 * What a new admin hit on Users, invitations and sign-in (issue 11, part B), in real Chromium: the invite
 * dialog's stale error (#11), the CSV import preview and files as spreadsheets write them (#12), the
 * invitation page (#13), sign-in of someone invited (#14), the role select behind its confirmation (#15),
 * paid seats (#16), the downgrade preview's order (#18), and no 401 logged before sign-in.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type E2E, openSettings, PASSWORD, startE2E } from './harness.ts';

let e: E2E;
let page: Page;
const W = '/api/workspaces/nexus';

async function invite(email: string, name: string, role = 'end-user'): Promise<string> {
  const r = await e.api<{ invitation: { url: string } }>(
    'POST',
    `${W}/users`,
    { email, name, role },
    e.adminToken,
  );
  expect(r.status).toBe(201);
  return new URL(new URL(r.body.invitation.url).pathname, e.url).href;
}

async function freshPage(): Promise<Page> {
  const ctx = await e.browser.newContext({ viewport: { width: 1024, height: 768 } });
  return ctx.newPage();
}

beforeAll(async () => {
  e = await startE2E();
  await e.addUser('bea@nexus.test', 'builder', 'Bea Builder');
  await e.addUser('cal@nexus.test', 'builder', 'Cal Builder');
  ({ page } = await e.signedIn());
});

afterAll(async () => {
  await e?.close();
});

describe('signed out', () => {
  it('loading a page before sign-in logs no error (no 401 from probing the session)', async () => {
    const p = await freshPage();
    const errors: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const failed: string[] = [];
    p.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    await p.goto(`${e.url}/nexus/workspace-settings/users`);
    await p.waitForURL(/\/login/);
    await p.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await p.context().close();
  });

  it('an invited user who signs in is pointed to the invitation link; an unknown email reads the same', async () => {
    await invite('ivy@nexus.test', 'Ivy Invited');
    const p = await freshPage();
    const texts: string[] = [];
    for (const email of ['ivy@nexus.test', 'nobody@nexus.test']) {
      await p.goto(`${e.url}/login`);
      await p.getByLabel('Email').fill(email);
      await p.getByLabel('Password').fill('some password here');
      await p.getByRole('button', { name: 'Sign in' }).click();
      const alert = p.getByRole('alert').filter({ hasText: /./ });
      await alert.waitFor();
      texts.push((await alert.textContent()) ?? '');
    }
    expect(texts[0]).toMatch(/invit/i);
    expect(texts[0]).toMatch(/link/i);
    expect(texts[1]).toBe(texts[0]);
    await p.context().close();
  });
});

describe('accepting an invitation', () => {
  it('shows the workspace and the email, prefills the name, refuses a blank one', async () => {
    const link = await invite('jo@nexus.test', 'Jo Jansen');
    const p = await freshPage();
    await p.goto(link);
    await expect.poll(() => p.getByTestId('invitation-for').textContent()).toMatch(/Nexus.*jo@nexus\.test/s);
    expect(await p.getByLabel('Your name').inputValue()).toBe('Jo Jansen');
    await p.getByLabel('Your name').fill('   ');
    await p.getByLabel('Password').fill('a good password');
    await p.getByRole('button', { name: 'Accept invitation' }).click();
    await expect
      .poll(() => p.getByRole('alert').filter({ hasText: /./ }).textContent())
      .toBe('Enter your name');
    expect(new URL(p.url()).pathname).toMatch(/\/invitations?\//);
    // The server refuses a blank name too (a script, or a page that skipped the check).
    const token = link.split('/').pop();
    const blank = await e.api('POST', `/api/invitations/${token}/accept`, { name: ' ', password: PASSWORD });
    expect(blank.status).toBe(422);

    await p.getByLabel('Your name').fill('Jo J.');
    await p.getByRole('button', { name: 'Accept invitation' }).click();
    await p.waitForURL(/\/nexus\/my-access$/);
    const login = await e.api<{ account: { name: string } }>('POST', '/api/login', {
      email: 'jo@nexus.test',
      password: 'a good password',
    });
    expect(login.body.account.name).toBe('Jo J.');
    await p.context().close();
  });

  it('an already used or expired link says so at once, before anything is typed', async () => {
    const link = await invite('kim@nexus.test', 'Kim');
    const token = link.split('/').pop();
    expect((await e.api('POST', `/api/invitations/${token}/accept`, { password: PASSWORD })).status).toBe(
      200,
    );
    const p = await freshPage();
    await p.goto(link);
    await expect.poll(() => p.getByTestId('invitation-error').textContent()).toMatch(/already been accepted/);
    expect(await p.getByLabel('Password').count()).toBe(0);
    // An expired one too (issued with a lifetime already over).
    const config = e.server.ctx.config as { invitationTtlMs: number };
    const ttl = config.invitationTtlMs;
    config.invitationTtlMs = -1000;
    const expired = await invite('lee@nexus.test', 'Lee');
    config.invitationTtlMs = ttl;
    await p.goto(expired);
    await expect.poll(() => p.getByTestId('invitation-error').textContent()).toMatch(/expired/);
    expect(await p.getByLabel('Password').count()).toBe(0);
    await p.goto(`${e.url}/invitations/not-a-real-token`);
    await expect.poll(() => p.getByTestId('invitation-error').textContent()).toMatch(/not valid/);
    await p.context().close();
  });
});

describe('users page', () => {
  it('the invite dialog drops "already exists" once the email is changed', async () => {
    await openSettings(page, e.url, 'users');
    await page.getByTestId('invite-user').click();
    const dialog = page.getByTestId('invite-dialog');
    await dialog.getByLabel('Email').fill(ADMIN);
    await dialog.getByRole('button', { name: 'Invite' }).click();
    await expect.poll(() => dialog.getByTestId('invite-error').textContent()).toMatch(/already exists/i);
    await dialog.getByLabel('Email').fill('someone-new@nexus.test');
    expect(await dialog.getByTestId('invite-error').textContent()).toBe('');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('the role select shows the new role only once the change is confirmed; Builder → Admin costs no seat', async () => {
    await openSettings(page, e.url, 'users');
    const select = page.locator('select[aria-label="Role of bea@nexus.test"]');
    await select.selectOption('admin');
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await select.inputValue()).toBe('builder');
    // Admins are paid seats too: Builder → Admin changes no seat, so there is no billing note.
    expect(await dialog.getByTestId('builder-delta').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await select.inputValue()).toBe('builder');

    await select.selectOption('admin');
    await dialog.getByRole('button', { name: 'Change role' }).click();
    await expect.poll(() => select.inputValue()).toBe('admin');
  });

  it('a downgrade lists "Removed from groups" first and speaks of paid seats', async () => {
    const g = await e.api<{ group: { id: string } }>('POST', `${W}/groups`, { name: 'Makers' }, e.adminToken);
    expect(g.status).toBe(201);
    const cal = await e.api<{ users: { id: string; email: string }[] }>(
      'GET',
      `${W}/users`,
      undefined,
      e.adminToken,
    );
    const calId = cal.body.users.find((u) => u.email === 'cal@nexus.test')!.id;
    expect(
      (await e.api('PUT', `${W}/groups/${g.body.group.id}/permissions`, { appCreate: true }, e.adminToken))
        .status,
    ).toBe(200);
    expect(
      (await e.api('POST', `${W}/groups/${g.body.group.id}/members`, { userIds: [calId] }, e.adminToken))
        .status,
    ).toBe(200);
    await openSettings(page, e.url, 'users');
    await page.locator('select[aria-label="Role of cal@nexus.test"]').selectOption('end-user');
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    const headings = await dialog.getByTestId('impact').locator('h3').allTextContents();
    expect(headings[0]).toMatch(/^Removed from groups/);
    expect(await dialog.getByTestId('memberships-removed').textContent()).toContain('Makers');
    const seats = await dialog.getByTestId('builder-delta').textContent();
    expect(seats).toMatch(/seats/i);
    expect(seats).toMatch(/3 → 2\s*\(−1\)/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('CSV import: semicolons with a BOM, UTF-16; an unknown role is shown as written and refused', async () => {
    await openSettings(page, e.url, 'users');
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const dialog = page.getByTestId('import-dialog');
    const semicolons = Buffer.from(
      '\uFEFFemail;name;role\r\nnew1@nexus.test;"Díaz; Ana";Builder\r\nnew2@nexus.test;Sam;Superuser\r\n',
      'utf8',
    );
    await dialog
      .getByTestId('import-file')
      .setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: semicolons });
    const rows = dialog.getByTestId('import-row');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).locator('td').allTextContents()).toEqual([
      '2',
      'new1@nexus.test',
      'Díaz; Ana',
      'Builder',
      'Ready',
    ]);
    const bad = await rows.nth(1).locator('td').allTextContents();
    expect(bad[3]).toBe('Superuser');
    expect(bad[4]).toMatch(/^Refused: Unknown role “Superuser”/);
    await expect.poll(() => dialog.getByText('1 of 2 rows can be imported').count()).toBe(1);

    const text = 'email\tname\trole\r\nnew3@nexus.test\tÜlla\tAdmin\r\n';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    await dialog
      .getByTestId('import-file')
      .setInputFiles({ name: 'unicode.txt', mimeType: 'text/plain', buffer: utf16 });
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).locator('td').allTextContents()).toEqual([
      '2',
      'new3@nexus.test',
      'Ülla',
      'Admin',
      'Ready',
    ]);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
  });
});
