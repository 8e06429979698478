/** The webhook routes' part of openapi-responses.test.ts: each route called once, success and error. */
import { expect } from 'vitest';
import type { Storage } from '../../sync-server/storage/storage.ts';
import type { Call } from './sso-openapi-calls.ts';

export async function callWebhookRoutes(
  call: Call,
  storage: Storage,
  admin: string,
  ws: string,
): Promise<void> {
  const H = '/api/workspaces/{ws}/webhook';
  const as = { token: admin };
  expect((await call('GET', H, { ws }, as)).body).toEqual({ webhook: null });
  expect((await call('POST', `${H}/test`, { ws }, as)).status).toBe(404);
  const refused = await call(
    'PUT',
    H,
    { ws },
    { ...as, body: { url: 'http://10.0.0.1/hook', enabled: true } },
  );
  expect(refused.status).toBe(422);
  expect((await call('PUT', H, { ws }, { ...as, body: { url: '', enabled: true } })).status).toBe(400);
  // A public address: saved (nothing is sent until an event).
  const saved = await call(
    'PUT',
    H,
    { ws },
    { ...as, body: { url: 'https://93.184.215.14/hook', enabled: false } },
  );
  expect(saved.status).toBe(200);
  expect((await call('POST', `${H}/test`, { ws }, as)).status).toBe(409);
  expect((await call('POST', `${H}/rotate-secret`, { ws }, as)).status).toBe(200);
  // Pointed at loopback behind the API's back: the send-time check refuses it without connecting.
  const w = (await storage.workspaceBySlug(ws))!;
  await storage.putWebhook({ workspaceId: w.id, url: 'http://127.0.0.1:9/', enabled: true, at: Date.now() });
  expect((await call('POST', `${H}/test`, { ws }, as)).status).toBe(201);
  expect((await call('GET', `${H}/deliveries`, { ws }, as)).status).toBe(200);
  expect((await call('GET', H, { ws }, as)).status).toBe(200);
  expect((await call('DELETE', H, { ws }, as)).status).toBe(204);
  expect((await call('DELETE', H, { ws }, as)).status).toBe(404);
}
