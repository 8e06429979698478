/** REST set-up steps the decision tests share (AuthZEN, forward auth). */
import { api, type Res, type TestServer } from './helpers.ts';

/** Awaits a REST call that must succeed; returns the id of `body[key]` (a created entity) when asked. */
export async function must(p: Promise<Res>, key?: string): Promise<string> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${r.status} ${r.text}`);
  return key ? (r.body[key] as { id: string }).id : '';
}

/**
 * The End-user role's default grants (View on every app) removed, so every grant an end-user holds
 * afterwards is the test's own.
 */
export async function removeEndUserGrants(t: TestServer, adminToken: string, slug: string): Promise<void> {
  const W = `/api/workspaces/${slug}`;
  const groups = (await api(t.url, 'GET', `${W}/groups`, { token: adminToken })).body.groups as {
    id: string;
    role: string | null;
    grants: { id: string }[];
  }[];
  const endUser = groups.find((g) => g.role === 'end-user')!;
  for (const g of endUser.grants) {
    const r = await api(t.url, 'DELETE', `${W}/groups/${endUser.id}/grants/${g.id}`, { token: adminToken });
    if (r.status >= 300) throw new Error(`removing the end-user grant: ${r.status} ${r.text}`);
  }
}
