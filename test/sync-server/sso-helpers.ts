/** A Gatehouse server and a real OpenID Provider (test/support/oidc-provider.ts) wired together for the SSO tests. */
import type { WorkspaceState } from '../../core/index.ts';
import { SESSION_COOKIE } from '../../sync-server/auth/credentials.ts';
import { hashToken } from '../../sync-server/auth/tokens.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { api, setup, startServer, type TestServer } from './helpers.ts';

export const CLIENT_ID = 'gatehouse-test';
export const CLIENT_SECRET = 'test-client-secret-that-is-long-enough';

export interface SsoWorld {
  readonly t: TestServer;
  readonly op: TestOidcProvider;
  readonly admin: string;
  close(): Promise<void>;
}

export async function startSsoWorld(): Promise<SsoWorld> {
  const t = await startServer({ loginAttemptsPerIpPerMinute: 1000, loginAttemptsPerMinute: 1000 });
  const admin = await setup(t, 'acme');
  const op = await startOidcProvider([
    { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${t.url}/api/sso/callback`] },
  ]);
  return {
    t,
    op,
    admin,
    async close() {
      await op.stop();
      await t.close();
    },
  };
}

/** The connection body with the test provider's issuer and client (`more` overrides). */
export const connectionBody = (w: SsoWorld, more: Record<string, unknown> = {}) => ({
  name: 'Test IdP',
  issuer: w.op.issuer,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  scopes: ['email', 'profile', 'groups'],
  allowedDomains: ['acme.test'],
  jit: true,
  ...more,
});

export async function createConnection(w: SsoWorld, more: Record<string, unknown> = {}) {
  const r = await api(w.t.url, 'POST', '/api/workspaces/acme/sso/connections', {
    token: w.admin,
    body: connectionBody(w, more),
  });
  if (r.status !== 201) throw new Error(`connection: ${r.status} ${r.text}`);
  return r.body.connection as { id: string; mappings: unknown[] };
}

export interface SignInResult {
  /** Where the callback sent the browser. */
  readonly location: string;
  /** The session token set by the callback (null when refused). */
  readonly token: string | null;
  /** The ?sso_error= code of a refusal (null when signed in). */
  readonly error: string | null;
}

/**
 * A whole sign-in as a browser makes it: start → provider's login page as `login` → callback. `tamper`
 * may change the flow stored server-side or the URL the provider sends back before the callback runs.
 */
export async function ssoSignIn(
  w: SsoWorld,
  connectionId: string,
  login: string,
  tamper: (back: URL, flowStateHash: string) => Promise<URL> | URL = (back) => back,
): Promise<SignInResult> {
  const { back, stateHash } = await throughProvider(w, connectionId, login, '/acme');
  return callback(await tamper(back, stateHash));
}

/** The flow cookie each start set, by state: the callback sends it back as the browser that started would. */
const flowCookies = new Map<string, string>();

/** Keeps the flow cookie a start answer set, for the callback of its state. */
export function rememberFlowCookie(start: Response, authorization: URL): void {
  const cookie = start.headers.getSetCookie().find((c) => c.startsWith('gatehouse_sso_'));
  if (cookie) flowCookies.set(authorization.searchParams.get('state')!, cookie.split(';')[0]!);
}

/** Start → the provider's login page as `login`: the URL the provider sends the browser back to. */
export async function throughProvider(w: SsoWorld, connectionId: string, login: string, returnTo: string) {
  const start = await fetch(
    `${w.t.url}/api/sso/start/acme/${connectionId}?returnTo=${encodeURIComponent(returnTo)}`,
    { redirect: 'manual' },
  );
  if (start.status !== 302) throw new Error(`start answered ${start.status}: ${await start.text()}`);
  const authorization = new URL(start.headers.get('location')!);
  rememberFlowCookie(start, authorization);
  const stateHash = hashToken(authorization.searchParams.get('state')!);
  return { back: await w.op.signIn(authorization.href, login), stateHash };
}

/** The headers of the browser that started the sign-in `back` finishes: its flow cookie. */
export function startersHeaders(back: URL): Record<string, string> {
  const flow = flowCookies.get(back.searchParams.get('state') ?? '');
  return flow ? { cookie: flow } : {};
}

export async function callback(back: URL): Promise<SignInResult> {
  const r = await fetch(back, { redirect: 'manual', headers: startersHeaders(back) });
  if (r.status !== 302) throw new Error(`callback answered ${r.status}: ${await r.text()}`);
  const location = r.headers.get('location')!;
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  const token = cookie ? cookie.slice(SESSION_COOKIE.length + 1).split(';')[0]! : null;
  const error = new URL(location, 'http://x').searchParams.get('sso_error');
  return { location, token, error };
}

export async function workspaceState(w: SsoWorld): Promise<WorkspaceState> {
  const ws = (await w.t.server.ctx.storage.workspaceBySlug('acme'))!;
  return w.t.server.ctx.registry.with(ws, (live) => live.state());
}

export async function userIdOf(w: SsoWorld, email: string): Promise<string | undefined> {
  return [...(await workspaceState(w)).users.values()].find((u) => u.email === email)?.id;
}
