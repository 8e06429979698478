/**
 * E2E harness: builds the admin app, starts the real server on 127.0.0.1:0 (SQLite in a temp dir) serving
 * it, sets up workspace `nexus` with an admin, and drives Debian's Chromium with playwright-core.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildWebInto } from '../../scripts/build-web.ts';
import type { ServerConfig } from '../../sync-server/config.ts';
import type { GatehouseServer } from '../../sync-server/server.ts';
import { type ClusterInstance, serve } from '../support/cluster-suite.ts';

export const PASSWORD = 'correct horse battery';
export const ADMIN = 'ada@nexus.test';
const WEB_DIR = path.resolve('dist/web');

let built: string | null = null;
/**
 * Builds the app into a temp dir once per test file (files run in parallel, so they must not share
 * dist/web). E2E_SKIP_BUILD=1 serves an existing dist/web instead.
 */
export function buildWeb(): string {
  if (built) return built;
  if (process.env.E2E_SKIP_BUILD === '1' && fs.existsSync(path.join(WEB_DIR, 'index.html')))
    return (built = WEB_DIR);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-web-'));
  buildWebInto(outDir);
  return (built = outDir);
}

export interface E2E {
  readonly server: GatehouseServer;
  readonly url: string;
  /** The server, or each instance of the cluster (GATEHOUSE_TEST_CLUSTER=2) with its own URL. */
  readonly instances: readonly ClusterInstance[];
  readonly browser: Browser;
  /** Bearer token of the first admin (REST checks). */
  readonly adminToken: string;
  api<T = unknown>(
    method: string,
    p: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T }>;
  addUser(email: string, role: 'admin' | 'builder' | 'end-user', name?: string): Promise<string>;
  /** A new browser context signed in as `email`. */
  signedIn(email?: string): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** `config`: server settings beyond the harness's own (a test clock, webhooks to loopback…). */
export async function startE2E(config: Partial<ServerConfig> = {}): Promise<E2E> {
  const webDir = buildWeb();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-'));
  // One server, or with GATEHOUSE_TEST_CLUSTER=2 two instances behind one port (test/support/cluster-suite.ts).
  const served = await serve({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...config, dataDir, webDir });
  const { server, url } = served;
  const api = async <T = unknown>(method: string, p: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(url + p, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const setup = await api<{ token: string }>('POST', '/api/setup', {
    token: server.ctx.setupToken,
    workspace: { name: 'Nexus', slug: 'nexus' },
    admin: { email: ADMIN, name: 'Ada Admin', password: PASSWORD },
  });
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${JSON.stringify(setup.body)}`);
  const adminToken = setup.body.token;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });

  const e2e: E2E = {
    server,
    url,
    instances: served.instances,
    browser,
    adminToken,
    api,
    async addUser(email, role, name) {
      const inv = await api<{ user: { id: string }; invitation: { url: string } }>(
        'POST',
        '/api/workspaces/nexus/users',
        { email, name: name ?? email.split('@')[0], role },
        adminToken,
      );
      if (inv.status !== 201) throw new Error(`invite failed: ${inv.status} ${JSON.stringify(inv.body)}`);
      const token = inv.body.invitation.url.split('/invitations/')[1];
      const acc = await api('POST', `/api/invitations/${token}/accept`, { password: PASSWORD });
      if (acc.status !== 200) throw new Error(`accept failed: ${acc.status}`);
      return inv.body.user.id;
    },
    async signedIn(email = ADMIN) {
      const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
      const page = await context.newPage();
      page.on('dialog', (d) => {
        throw new Error(`unexpected browser dialog: ${d.message()}`);
      });
      await page.goto(`${url}/login`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      return { context, page };
    },
    async close() {
      await browser.close();
      await served.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (webDir !== WEB_DIR) fs.rmSync(webDir, { recursive: true, force: true });
    },
  };
  return e2e;
}

/** Goes to a settings page and waits until the workspace is loaded and synced. */
export async function openSettings(page: Page, url: string, sub = 'groups'): Promise<void> {
  await page.goto(`${url}/nexus/workspace-settings/${sub}`);
  await page.locator('[data-testid=sync-status][data-link=synced]').waitFor();
}

export async function toast(page: Page, text: string): Promise<void> {
  await page.getByTestId('toast').filter({ hasText: text }).first().waitFor();
}

/** Runs axe-core on the page; returns serious and critical violations. */
export async function axe(page: Page): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  const source = fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
    const w = window as any;
    const res = await w.axe.run(document, { resultTypes: ['violations'] });
    return res.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }));
  });
}
