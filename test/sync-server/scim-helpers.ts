/** SCIM test client: a connection and its token made through the admin REST API, requests in application/scim+json. */
import { api, type Res, type TestServer } from './helpers.ts';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ROLE_EXT = 'urn:gatehouse:params:scim:schemas:extension:2.0:User';

export interface ScimClient {
  readonly connectionId: string;
  readonly token: string;
  readonly base: string;
  // biome-ignore lint/suspicious/noExplicitAny: SCIM JSON is read loosely in tests
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Res<any>>;
}

export async function scimConnection(
  t: TestServer,
  admin: string,
  slug = 'acme',
  name = 'Entra ID',
): Promise<ScimClient> {
  const c = await api(t.url, 'POST', `/api/workspaces/${slug}/scim-connections`, {
    token: admin,
    body: { name },
  });
  if (c.status !== 201) throw new Error(`connection: ${c.status} ${c.text}`);
  const tk = await api(
    t.url,
    'POST',
    `/api/workspaces/${slug}/scim-connections/${c.body.connection.id}/tokens`,
    {
      token: admin,
    },
  );
  if (tk.status !== 201) throw new Error(`token: ${tk.status} ${tk.text}`);
  const base = `/api/workspaces/${slug}/scim/v2`;
  const token = tk.body.secret as string;
  return {
    connectionId: c.body.connection.id,
    token,
    base,
    call: (method, path, body, headers = {}) =>
      api(t.url, method, base + path, {
        token,
        ...(body === undefined ? {} : { body }),
        headers: { 'content-type': 'application/scim+json', ...headers },
      }),
  };
}

/** A minimal user body the way Okta and Entra send it. */
export function userBody(email: string, more: Record<string, unknown> = {}) {
  const [given = 'X', family = 'Y'] = email.split('@')[0]!.split('.');
  return {
    schemas: [USER],
    userName: email,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: email, type: 'work' }],
    active: true,
    ...more,
  };
}
