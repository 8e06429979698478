/** Webhooks and their delivery outbox: the contract, run unchanged against every backend. */
import { describe, expect, it } from 'vitest';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { WEBHOOK_DELIVERIES_KEPT } from '../../sync-server/storage/webhook-store.ts';
import { storageBackends } from './backends.ts';

const ws = (s: Storage, slug: string) =>
  s.createWorkspace({ slug, name: slug, initialUpdate: new Uint8Array([0, 0]) });
const T0 = Date.UTC(2030, 0, 1);

describe.each(storageBackends())('webhook store on $name', (backend) => {
  it('saves one webhook per workspace, keeps its secret sealed and only replaces it when given', async () => {
    const opened = await backend.open();
    const { storage } = opened;
    const w1 = await ws(storage, 'one');
    const w2 = await ws(storage, 'two');
    expect(await storage.webhookOf(w1.id)).toBeNull();
    expect(await storage.webhookSecret(w1.id)).toBeNull();
    await expect(
      storage.putWebhook({ workspaceId: w1.id, url: 'https://a.test/h', enabled: true, at: T0 }),
    ).rejects.toThrow(/secret/);
    const created = await storage.putWebhook({
      workspaceId: w1.id,
      url: 'https://a.test/h',
      enabled: true,
      secret: 'whsec_one',
      at: T0,
    });
    expect(created).toEqual({
      workspaceId: w1.id,
      url: 'https://a.test/h',
      enabled: true,
      createdAt: T0,
      updatedAt: T0,
    });
    const changed = await storage.putWebhook({
      workspaceId: w1.id,
      url: 'https://b.test/h',
      enabled: false,
      at: T0 + 5,
    });
    expect(changed).toMatchObject({
      url: 'https://b.test/h',
      enabled: false,
      createdAt: T0,
      updatedAt: T0 + 5,
    });
    expect(await storage.webhookSecret(w1.id)).toBe('whsec_one');
    await storage.putWebhook({
      workspaceId: w1.id,
      url: 'https://b.test/h',
      enabled: true,
      secret: 'whsec_two',
      at: T0 + 9,
    });
    expect(await storage.webhookSecret(w1.id)).toBe('whsec_two');
    expect(await storage.webhookOf(w2.id)).toBeNull();

    // Durable across a reopen.
    const again = await opened.reopen();
    expect(await again.webhookOf(w1.id)).toMatchObject({ url: 'https://b.test/h', enabled: true });
    expect(await again.webhookSecret(w1.id)).toBe('whsec_two');

    await storage.addWebhookDelivery({ workspaceId: w1.id, event: 'webhook.test', payload: '{}', at: T0 });
    expect(await storage.deleteWebhook(w1.id)).toBe(true);
    expect(await storage.deleteWebhook(w1.id)).toBe(false);
    expect(await storage.webhookOf(w1.id)).toBeNull();
    expect(await storage.listWebhookDeliveries(w1.id, 10)).toEqual([]);
  });

  it('queues, claims once under a lease, records attempts, lists newest first', async () => {
    const { storage } = await backend.open();
    const w = await ws(storage, 'one');
    const a = await storage.addWebhookDelivery({
      workspaceId: w.id,
      event: 'access_request.created',
      payload: '{"a":1}',
      at: T0,
    });
    const b = await storage.addWebhookDelivery({
      workspaceId: w.id,
      event: 'webhook.test',
      payload: '{"b":2}',
      at: T0 + 1,
    });
    expect(a).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: T0, lastError: null });
    expect(await storage.nextWebhookDeliveryAt()).toBe(T0);
    expect(await storage.claimWebhookDeliveries(T0 - 1, 10, T0 + 30_000)).toEqual([]);

    const claimed = await storage.claimWebhookDeliveries(T0 + 1, 1, T0 + 30_000);
    expect(claimed.map((d) => [d.id, d.payload])).toEqual([[a.id, '{"a":1}']]);
    // Held: nobody else takes it until the lease ends; the other one is still free.
    expect((await storage.claimWebhookDeliveries(T0 + 2, 10, T0 + 30_000)).map((d) => d.id)).toEqual([b.id]);
    expect(await storage.claimWebhookDeliveries(T0 + 3, 10, T0 + 30_000)).toEqual([]);
    expect(await storage.nextWebhookDeliveryAt()).toBe(T0 + 30_000);

    await storage.finishWebhookAttempt(a.id, {
      at: T0 + 10,
      status: 'pending',
      httpStatus: 500,
      error: 'HTTP 500',
      nextAttemptAt: T0 + 40_000,
    });
    await storage.finishWebhookAttempt(b.id, {
      at: T0 + 11,
      status: 'delivered',
      httpStatus: 204,
      error: null,
      nextAttemptAt: null,
    });
    const [lb, la] = await storage.listWebhookDeliveries(w.id, 10);
    expect(la).toMatchObject({
      id: a.id,
      status: 'pending',
      attempts: 1,
      lastAttemptAt: T0 + 10,
      lastStatus: 500,
      lastError: 'HTTP 500',
      nextAttemptAt: T0 + 40_000,
      deliveredAt: null,
    });
    expect(lb).toMatchObject({
      id: b.id,
      status: 'delivered',
      attempts: 1,
      lastStatus: 204,
      deliveredAt: T0 + 11,
    });
    // Released: due again at its next attempt, not before.
    expect(await storage.claimWebhookDeliveries(T0 + 39_999, 10, T0 + 70_000)).toEqual([]);
    expect(await storage.nextWebhookDeliveryAt()).toBe(T0 + 40_000);
    const retried = await storage.claimWebhookDeliveries(T0 + 40_000, 10, T0 + 70_000);
    expect(retried.map((d) => [d.id, d.attempts])).toEqual([[a.id, 1]]);
    await storage.finishWebhookAttempt(a.id, {
      at: T0 + 40_001,
      status: 'failed',
      httpStatus: null,
      error: 'timed out',
      nextAttemptAt: null,
    });
    expect(await storage.nextWebhookDeliveryAt()).toBeNull();
    expect((await storage.listWebhookDeliveries(w.id, 10))[1]).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastStatus: null,
    });
    expect(await storage.claimWebhookDeliveries(T0 + 99_999_999, 10, T0 + 99_999_999)).toEqual([]);
  });

  it('two senders claiming at once never get the same delivery', async () => {
    const opened = await backend.open();
    const w = await ws(opened.storage, 'one');
    const other = await opened.reopen();
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++)
      ids.add(
        (await opened.storage.addWebhookDelivery({ workspaceId: w.id, event: 'e', payload: `${i}`, at: T0 }))
          .id,
      );
    const rounds = await Promise.all(
      [opened.storage, other, opened.storage, other].map((s) => s.claimWebhookDeliveries(T0, 6, T0 + 30_000)),
    );
    const got = rounds.flat().map((d) => d.id);
    expect(new Set(got).size).toBe(got.length);
    expect(got.every((id) => ids.has(id))).toBe(true);
    expect(got.length).toBe(20);
  });

  it(`keeps the newest ${WEBHOOK_DELIVERIES_KEPT} deliveries per workspace, never one still to send`, async () => {
    const { storage } = await backend.open();
    const w = await ws(storage, 'one');
    const w2 = await ws(storage, 'two');
    const first = await storage.addWebhookDelivery({
      workspaceId: w.id,
      event: 'e',
      payload: 'first',
      at: T0,
    });
    await storage.addWebhookDelivery({ workspaceId: w2.id, event: 'e', payload: 'elsewhere', at: T0 });
    for (let i = 1; i <= WEBHOOK_DELIVERIES_KEPT + 5; i++) {
      const d = await storage.addWebhookDelivery({
        workspaceId: w.id,
        event: 'e',
        payload: `${i}`,
        at: T0 + i,
      });
      if (i <= 10)
        await storage.finishWebhookAttempt(d.id, {
          at: T0 + i,
          status: 'delivered',
          httpStatus: 200,
          error: null,
          nextAttemptAt: null,
        });
    }
    const kept = await storage.listWebhookDeliveries(w.id, 1000);
    // The 5 oldest delivered ones went; the oldest, still pending, stays.
    expect(kept.length).toBe(WEBHOOK_DELIVERIES_KEPT + 1);
    expect(kept.at(-1)!.id).toBe(first.id);
    expect(kept.map((d) => d.payload)).not.toContain('5');
    expect(kept.map((d) => d.payload)).toContain('6');
    expect(await storage.listWebhookDeliveries(w2.id, 10)).toHaveLength(1);
  });
});
