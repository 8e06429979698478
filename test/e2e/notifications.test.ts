/**
 * Workspace settings → Notifications in real Chromium (issue 16): an admin adds a webhook (a URL the
 * server refuses first says why, inline), sees the signing secret once with Copy, sends a test event to a
 * real receiver that always answers 500; as the server's clock moves through every retry the deliveries
 * table shows the delivery Retrying then Failed with the receiver's answer, the page warns that
 * deliveries are failing, and so does the Requests page. Usable at 390 px wide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS } from '../../sync-server/webhooks/webhook-sender.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { startReceiver, verify, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { axe, type E2E, openSettings, startE2E } from './harness.ts';

let e: E2E;
let r: WebhookReceiver;
const clock = new ManualClock(Date.now());
const W = '/api/workspaces/nexus';

beforeAll(async () => {
  r = await startReceiver(500);
  e = await startE2E({ clock, webhookAllowPrivate: true });
});
afterAll(async () => {
  await e?.close();
  await r?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: REST replies, checked by the assertions
const deliveries = async (): Promise<any[]> =>
  // biome-ignore lint/suspicious/noExplicitAny: see above
  (await e.api<any>('GET', `${W}/webhook/deliveries`, undefined, e.adminToken)).body.deliveries;

async function attempts(n: number): Promise<{ nextAttemptAt: number }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [d] = await deliveries();
    if (d?.attempts === n) return d;
    if (Date.now() > deadline) throw new Error(`no attempt ${n}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('Notifications page', () => {
  it('adds a webhook, shows the secret once, and shows a failing delivery clearly', async () => {
    const { context, page } = await e.signedIn();
    await openSettings(page, e.url, 'notifications');
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.getByTestId('webhook-empty').waitFor();
    await page.getByRole('link', { name: 'Notifications' }).waitFor();

    // Refused by the server: the reason under the field, the field marked invalid.
    await page.getByLabel('Webhook URL').fill('ftp://hooks.example.com/x');
    await page.getByTestId('webhook-save').click();
    await page.getByTestId('webhook-url-error').filter({ hasText: 'starts with https://' }).waitFor();
    expect(await page.getByLabel('Webhook URL').getAttribute('aria-invalid')).toBe('true');

    // From the keyboard: the URL, then Enter submits.
    await page.getByLabel('Webhook URL').fill(r.url);
    await page.getByLabel('Webhook URL').press('Enter');
    const secretField = page.getByTestId('webhook-secret');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByTestId('webhook-copy-secret').waitFor();
    expect(await page.getByTestId('webhook-url-error').textContent()).toBe('');

    await page.getByTestId('webhook-test').click();
    await attempts(1);
    for (let n = 1; n <= RETRY_DELAYS_MS.length; n++) {
      const d = await attempts(n);
      if (n === 1) {
        await page.getByRole('button', { name: 'Refresh the deliveries' }).click();
        await page.locator('[data-testid=webhook-delivery][data-status=pending]').waitFor();
        await page.getByTestId('delivery-status').filter({ hasText: 'Retrying' }).waitFor();
      }
      clock.set(d.nextAttemptAt);
    }
    await attempts(RETRY_DELAYS_MS.length + 1);
    expect(r.received).toHaveLength(6);
    expect(verify(secret, r.received[0]!.headers['gatehouse-signature'] as string, r.received[0]!.body)).toBe(
      true,
    );

    await page.getByRole('button', { name: 'Refresh the deliveries' }).click();
    const row = page.locator('[data-testid=webhook-delivery][data-status=failed]');
    await row.waitFor();
    expect(await row.getByTestId('delivery-status').textContent()).toBe('Failed');
    expect(await row.getByTestId('delivery-error').textContent()).toBe('HTTP 500: receiver says 500');
    expect((await row.locator('td').nth(2).textContent())?.trim()).toBe('6');
    expect(await axe(page)).toEqual([]);

    // A fresh visit: the secret is gone for good; the failure is still there, with the warning.
    await page.reload();
    await page.getByTestId('webhook-failing').filter({ hasText: 'Deliveries are failing.' }).waitFor();
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    expect(await page.getByLabel('Webhook URL').inputValue()).toBe(r.url);

    // The Requests page warns too, and links here.
    await page.getByRole('link', { name: 'Requests' }).click();
    const warning = page.getByTestId('requests-webhook-failing');
    await warning.filter({ hasText: 'HTTP 500' }).waitFor();
    await warning.getByRole('link', { name: 'See Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();

    // A phone: nothing wider than the screen but the table, which scrolls in its own box.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByTestId('webhook-deliveries').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  });
});
