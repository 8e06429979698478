/**
 * Access requests in the admin app and My access, in real Chromium (issue 16): an End-user asks from My
 * access (the proposed group and what it would mean are shown); the admin's Requests badge counts it live;
 * the admin reviews the impact and approves for a shorter time; the requester's My access follows
 * ("Approved by …", CRM among the apps she can open) and the group's member row says when the membership
 * expires, with Make permanent. (Deny and the REST refusals: test/sync-server/requests.test.ts.)
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2E, openSettings, startE2E } from './harness.ts';

let e: E2E;
const W = '/api/workspaces/nexus';
const EVE = 'eve@nexus.test';
let groupId = '';

beforeAll(async () => {
  e = await startE2E();
  // biome-ignore lint/suspicious/noExplicitAny: REST replies, checked by the assertions
  const as = (m: string, p: string, body?: unknown) => e.api<any>(m, W + p, body, e.adminToken);
  const crm = (await as('POST', '/apps', { name: 'CRM', urlPatterns: ['https://crm.nexus.test/*'] })).body.app
    .id;
  await as('POST', '/data-sources', { name: 'Warehouse' });
  // End-users view no app by default here: CRM needs a group.
  const groups = (await as('GET', '/groups')).body.groups as {
    id: string;
    role: string | null;
    grants: { id: string; resourceType: string }[];
  }[];
  const endUsers = groups.find((g) => g.role === 'end-user')!;
  const appGrant = endUsers.grants.find((g) => g.resourceType === 'app')!;
  expect((await as('DELETE', `/groups/${endUsers.id}/grants/${appGrant.id}`)).status).toBe(200);
  groupId = (await as('POST', '/groups', { name: 'CRM viewers' })).body.group.id;
  const grant = await as('POST', `/groups/${groupId}/grants`, {
    name: 'CRM',
    resourceType: 'app',
    scope: 'custom',
    resourceIds: [crm],
    level: 'view',
  });
  expect(grant.status).toBe(201);
  await e.addUser(EVE, 'end-user', 'Eve');
}, 180_000);
afterAll(() => e?.close());

/** An app under "No access" on My access. */
const noAccessApp = (page: Page, name: string) =>
  page.locator('[data-testid=my-app][data-access=none]').filter({ hasText: name });

/** Asks for View on an app from inside the page (the requester's own session cookie). */
const askInPage = (page: Page, resourceId: string) =>
  page.evaluate(async (id) => {
    const res = await fetch('/api/workspaces/nexus/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceType: 'app',
        resourceId: id,
        level: 'view',
        reason: 'Docs',
        duration: null,
      }),
    });
    return { status: res.status, body: await res.json() };
  }, resourceId);

describe('access requests', () => {
  it('ask on My access → live badge → approve for a shorter time → My access and the member row follow', async () => {
    const { context: eveContext, page: eve } = await e.signedIn(EVE);
    const { context: adminContext, page: admin } = await e.signedIn();
    try {
      await openSettings(admin, e.url, 'requests');
      await admin.getByTestId('requests-empty').waitFor();

      await eve.goto(`${e.url}/nexus/my-access`);
      await noAccessApp(eve, 'CRM').getByTestId('request-access').click();
      const dialog = eve.getByTestId('request-access-dialog');
      await dialog.getByText('CRM viewers').waitFor();
      await dialog.getByTestId('request-reason').fill('Pipeline review');
      await dialog.getByTestId('request-duration').selectOption({ label: '30 days' });
      await dialog.getByTestId('request-send').click();
      await noAccessApp(eve, 'CRM').getByTestId('request-pending').waitFor();
      await eve.getByTestId('my-request').filter({ hasText: 'Waiting for an admin' }).waitFor();

      // The admin's badge and list follow live (the doc's requests root).
      await expect
        .poll(() => admin.getByTestId('requests-badge').textContent(), { timeout: 10_000 })
        .toBe('1');
      const request = admin.getByTestId('request');
      await request.getByText('Pipeline review').waitFor();
      await request.getByTestId('review').click();
      await admin.getByTestId('impact').waitFor();
      await admin.getByTestId('approve-duration').selectOption({ label: '1 week' });
      await admin.getByTestId('approve').click();
      await admin.getByTestId('requests-empty').waitFor();
      await admin.getByTestId('decided-request').filter({ hasText: 'approved' }).waitFor();
      await expect.poll(() => admin.getByTestId('requests-badge').count()).toBe(0);

      // My access follows (it reads the requests again while one is open).
      await eve.getByTestId('my-request').filter({ hasText: 'Approved by' }).waitFor({ timeout: 15_000 });
      await expect.poll(() => noAccessApp(eve, 'CRM').count(), { timeout: 15_000 }).toBe(0);
      await eve.getByTestId('my-app').filter({ hasText: 'CRM' }).waitFor();

      // The member row says when it ends; Make permanent clears it.
      await admin.goto(`${e.url}/nexus/workspace-settings/groups/${groupId}/users`);
      const expiry = admin.getByTestId('member-expiry');
      await expect.poll(() => expiry.textContent(), { timeout: 10_000 }).toBe('expires in 7 days');
      await admin.getByTestId('member-permanent').click();
      await expect.poll(() => expiry.count(), { timeout: 10_000 }).toBe(0);
    } finally {
      await eveContext.close();
      await adminContext.close();
    }
  }, 120_000);

  it('My access hears a request being made and denied from the event stream, without reading the list again', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: REST replies, checked by the assertions
    const as = (m: string, p: string, body?: unknown) => e.api<any>(m, W + p, body, e.adminToken);
    const wiki = (await as('POST', '/apps', { name: 'Wiki', urlPatterns: ['https://wiki.nexus.test/*'] }))
      .body.app.id;
    const viewers = (await as('POST', '/groups', { name: 'Wiki viewers' })).body.group.id;
    const grant = { name: 'Wiki', resourceType: 'app', scope: 'custom', resourceIds: [wiki], level: 'view' };
    expect((await as('POST', `/groups/${viewers}/grants`, grant)).status).toBe(201);
    const { context, page: eve } = await e.signedIn(EVE);
    try {
      await eve.goto(`${e.url}/nexus/my-access`);
      await noAccessApp(eve, 'Wiki').waitFor();
      await eve.getByTestId('my-request').first().waitFor();
      // From now on the list can only arrive through /access/events.
      let listReads = 0;
      await eve.route('**/requests/mine', (route) => {
        listReads++;
        return route.abort();
      });
      const asked = await askInPage(eve, wiki);
      expect(asked.status, JSON.stringify(asked.body)).toBe(201);
      const mine = eve.getByTestId('my-request').filter({ hasText: 'Wiki' });
      await expect.poll(() => mine.textContent(), { timeout: 10_000 }).toContain('Waiting for an admin');
      const denied = await as('POST', `/requests/${asked.body.request.id}/deny`, {
        reason: 'Use the handbook',
      });
      expect(denied.status).toBe(200);
      await expect.poll(() => mine.textContent(), { timeout: 10_000 }).toContain('Use the handbook');
      expect(listReads).toBe(0);

      // Asked again, then withdrawn from My access.
      const again = (await askInPage(eve, wiki)).status;
      expect(again).toBe(201);
      const open = eve.getByTestId('my-request').filter({ hasText: 'Waiting for an admin' });
      await open.getByTestId('cancel-request').click();
      await expect
        .poll(() => eve.getByTestId('my-request').filter({ hasText: 'Wiki' }).first().textContent(), {
          timeout: 10_000,
        })
        .toContain('Cancelled');
      expect(await eve.getByTestId('cancel-request').count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 120_000);
});
