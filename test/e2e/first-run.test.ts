/**
 * First run in the browser: the printed setup link creates the workspace and its admin and lands in the
 * admin app; the link is single-use; an invitation link activates an end-user, who sees My access only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouseServer, type GatehouseServer } from '../../sync-server/server.ts';
import { buildWeb } from './harness.ts';

let server: GatehouseServer;
let browser: Browser;
let url = '';
let dataDir = '';

beforeAll(async () => {
  const webDir = buildWeb();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-first-run-'));
  server = await createGatehouseServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir, webDir });
  url = `http://127.0.0.1:${(await server.listen()).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('first run', () => {
  it('the setup link creates the workspace and its admin, once', async () => {
    const token = server.ctx.setupToken;
    expect(token).toMatch(/^[\w-]{20,}$/);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/setup?token=${token}`);
    await page.getByLabel('Workspace name').fill('Nexus Corp');
    await expect.poll(() => page.getByLabel('URL slug').inputValue()).toBe('nexus-corp');
    await page.getByLabel('Name', { exact: true }).fill('Ada Admin');
    await page.getByLabel('Email').fill('ada@nexus.test');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(/\/nexus-corp\/workspace-settings\/groups$/);
    await page.locator('[data-testid=sync-status][data-link=synced]').waitFor();
    await expect.poll(() => page.getByText('Custom groups', { exact: false }).count()).toBeGreaterThan(0);

    const again = await fetch(`${url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token,
        workspace: { name: 'Other', slug: 'other' },
        admin: { email: 'eve@evil.test', name: 'Eve', password: 'correct horse battery' },
      }),
    });
    expect(again.status).toBe(410);
  });

  it('an invitation link activates an end-user, who sees My access only', async () => {
    const login = await fetch(`${url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@nexus.test', password: 'correct horse battery' }),
    });
    const { token } = (await login.json()) as { token: string };
    const invite = await fetch(`${url}/api/workspaces/nexus-corp/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ email: 'hana@nexus.test', name: 'Hana', role: 'end-user' }),
    });
    expect(invite.status).toBe(201);
    const { invitation } = (await invite.json()) as { invitation: { url: string } };
    const page = await (await browser.newContext()).newPage();
    await page.goto(new URL(new URL(invitation.url).pathname, url).href);
    await page.getByLabel('Password').fill('another good password');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.waitForURL(/\/nexus-corp\/my-access$/);
    await expect.poll(() => page.getByRole('heading', { name: 'My access' }).count()).toBe(1);
    await page.goto(`${url}/nexus-corp/workspace-settings/groups`);
    await page.waitForURL(/\/nexus-corp\/my-access$/);
  });
});
