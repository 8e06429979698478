/**
 * The extension signs in through SSO in real Chromium: the popup's "Single sign-on" opens the server's SSO
 * start with chrome.identity.launchWebAuthFlow, the person signs in at a real OpenID Provider
 * (oidc-provider on loopback) and confirms on the server's hand-over page, and the popup is signed in.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { buildTempExtension, type LoadedExtension, launchWithExtension } from './browser.ts';
import { startServer, type TestServer } from './server.ts';

let server: TestServer;
let ext: LoadedExtension;
let op: TestOidcProvider;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const built = await buildTempExtension();
  cleanup = built.cleanup;
  server = await startServer();
  op = await startOidcProvider([
    {
      clientId: 'gatehouse',
      clientSecret: 'ext-client-secret',
      redirectUris: [`${server.url}/api/sso/callback`],
    },
  ]);
  ext = await launchWithExtension(built.outDir);
  const admin = await server.token('ada@nexus.test');
  const c = await server.rest(admin, 'POST', '/api/workspaces/nexus/sso/connections', {
    name: 'Company IdP',
    issuer: op.issuer,
    clientId: 'gatehouse',
    clientSecret: 'ext-client-secret',
    allowedDomains: ['nexus.test'],
  });
  expect(c.status).toBe(201);
}, 180_000);
afterAll(async () => {
  await ext?.close();
  await op?.stop();
  await server?.stop();
  await cleanup?.();
});

describe('extension SSO', () => {
  test('signs in with the workspace’s identity provider through launchWebAuthFlow', async () => {
    op.setPerson('hana', { email: 'hana@nexus.test', email_verified: true, groups: [] });
    const popup: Page = await ext.context.newPage();
    await popup.goto(`chrome-extension://${ext.id}/popup.html`);
    await popup.fill('#server', server.url);
    await popup.check('#mode-sso');
    await popup.fill('#workspace', 'nexus');
    const authWindow = ext.context.waitForEvent('page', { timeout: 30_000 });
    await popup.click('button[type=submit]');
    const auth = await authWindow;
    await auth.locator('input[name=login]').fill('hana');
    await auth.locator('input[name=password]').fill('any');
    await auth.getByRole('button', { name: 'Sign-in' }).click();
    await auth.getByText(`The browser extension ${ext.id} asks to use this sign-in.`).waitFor();
    await auth.locator('#continue').click();
    await popup.locator('[data-gh=signed-in]').waitFor({ timeout: 30_000 });
    expect(await popup.locator('[data-gh=account]').textContent()).toBe('hana@nexus.test');
  });
});
