/**
 * The workspace the round-2 security tests attack: an admin, the end-user Eve, an app "Payroll" that the
 * End-user role does not grant, and a custom group "Secret project" (grant "Codename grant") that grants
 * it, with none of its names known to Eve.
 */
import { addUser, api, type Res, setup, type TestServer } from './helpers.ts';

export const W = '/api/workspaces/acme';
export const PAYROLL_PAGE = 'https://payroll.acme.test/run';

export interface SecretWorkspace {
  readonly admin: string;
  readonly eve: { token: string; userId: string };
  readonly appId: string;
  readonly secretGroupId: string;
  /** A REST call as the admin. */
  as(method: string, path: string, body?: unknown): Promise<Res>;
}

export async function secretWorkspace(t: TestServer): Promise<SecretWorkspace> {
  const admin = await setup(t);
  const as = (method: string, path: string, body?: unknown) =>
    api(t.url, method, W + path, { token: admin, body });
  const eve = await addUser(t, admin, 'acme', 'eve@acme.test', 'end-user');
  const appId = (await as('POST', '/apps', { name: 'Payroll', urlPatterns: ['https://payroll.acme.test/*'] }))
    .body.app.id as string;
  const groups = (await as('GET', '/groups')).body.groups as {
    id: string;
    role: string | null;
    grants: { id: string }[];
  }[];
  const endUsers = groups.find((g) => g.role === 'end-user')!;
  for (const g of endUsers.grants) await as('DELETE', `/groups/${endUsers.id}/grants/${g.id}`);
  const secretGroupId = (await as('POST', '/groups', { name: 'Secret project' })).body.group.id as string;
  await as('POST', `/groups/${secretGroupId}/grants`, {
    name: 'Codename grant',
    resourceType: 'app',
    scope: 'custom',
    resourceIds: [appId],
    level: 'view',
  });
  return { admin, eve, appId, secretGroupId, as };
}
