/** The SSO routes' part of openapi-responses.test.ts: each route called once, success and error. */
import { expect } from 'vitest';
import type { Res } from './helpers.ts';

export type Call = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  template: string,
  params: Record<string, string>,
  opts?: { token?: string; body?: unknown; query?: string },
) => Promise<Res>;

export async function callSsoRoutes(call: Call, admin: string, ws: string): Promise<void> {
  const C = '/api/workspaces/{ws}/sso/connections';
  const body = { name: 'IdP', issuer: 'http://127.0.0.1:9', clientId: 'gatehouse', clientSecret: 'secret' };
  expect((await call('POST', C, { ws }, { token: admin, body: { ...body, issuer: 'ftp://x' } })).status).toBe(
    400,
  );
  const created = await call('POST', C, { ws }, { token: admin, body });
  expect(created.status).toBe(201);
  const id: string = created.body.connection.id;
  expect((await call('GET', C, { ws }, { token: admin })).status).toBe(200);
  expect((await call('GET', `${C}/{id}`, { ws, id }, { token: admin })).status).toBe(200);
  expect((await call('GET', `${C}/{id}`, { ws, id: 'no-such-connection' }, { token: admin })).status).toBe(
    404,
  );
  expect(
    (await call('PUT', `${C}/{id}`, { ws, id }, { token: admin, body: { ...body, jit: true } })).status,
  ).toBe(200);
  expect((await call('POST', `${C}/{id}/test`, { ws, id }, { token: admin })).body.ok).toBe(false);
  expect(
    (await call('POST', `${C}/{id}/impact`, { ws, id }, { token: admin, body: { mappings: [] } })).status,
  ).toBe(200);
  expect((await call('GET', `${C}/{id}/sign-ins`, { ws, id }, { token: admin })).status).toBe(200);
  const P = '/api/workspaces/{ws}/sso/policy';
  expect((await call('GET', P, { ws }, { token: admin })).body).toEqual({ passwordSignIn: true });
  expect((await call('PUT', P, { ws }, { token: admin, body: { passwordSignIn: true } })).status).toBe(200);
  expect((await call('GET', '/api/sso/options/{ws}', { ws })).body.connections).toHaveLength(1);
  expect((await call('GET', '/api/sso/start/{ws}/{id}', { ws, id: 'no-such-connection' })).status).toBe(404);
  expect((await call('GET', '/api/sso/callback', {})).status).toBe(400);
  expect((await call('DELETE', `${C}/{id}`, { ws, id }, { token: admin })).status).toBe(204);
}
