/**
 * A real OpenID Provider on a loopback port for the SSO tests: `oidc-provider` 9 with its development
 * interaction pages (any login name and password is accepted; the name picks the person). The people it
 * knows, and the claims their ID tokens carry (email, email_verified, groups…), are set by the test.
 *
 * `signIn` drives the provider's own HTML pages with fetch (a cookie jar, following redirects, submitting
 * its login form) from an authorization URL to the redirect back to the client, which it returns
 * without following, so the test decides what reaches the server's callback.
 * oidc-provider 9 warns "Unsupported runtime" on Node 20; it runs there (checked on 20.20 and 24).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestPerson {
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  /** Omitted: the groups claim is missing from the token. */
  readonly groups?: readonly string[];
  readonly [claim: string]: unknown;
}

export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
}

export interface TestOidcProvider {
  /** The issuer URL (`http://127.0.0.1:<port>`). */
  readonly issuer: string;
  /** Sets (or replaces) the person a login name signs in as. */
  setPerson(login: string, person: TestPerson): void;
  /**
   * Follows `authorizationUrl` through the provider's login page as `login`; resolves to the URL the
   * provider sends the browser back to (the client's redirect URI with `code`, `state`, `iss`).
   */
  signIn(authorizationUrl: string, login: string): Promise<URL>;
  stop(): Promise<void>;
}

const CLAIMS = { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] };

export async function startOidcProvider(clients: readonly TestClient[]): Promise<TestOidcProvider> {
  const people = new Map<string, TestPerson>();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [...c.redirectUris],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    })),
    claims: CLAIMS,
    // Claims in the ID token itself, as Okta, Entra and Google send them.
    conformIdTokenClaims: false,
    cookies: { keys: ['gatehouse-test-cookie-key'] },
    async findAccount(_ctx, sub) {
      const person = people.get(sub);
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ ...person, sub }) };
    },
    // Consent is implied (a company IdP's own app): the login page is the only interaction.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const id = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
      if (id) return oidc.provider.Grant.find(id);
      const grant = new oidc.provider.Grant({
        clientId: oidc.client.clientId,
        accountId: oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());

  return {
    issuer,
    setPerson: (login, person) => people.set(login, person),
    signIn: (authorizationUrl, login) => driveLogin(authorizationUrl, login, issuer),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const MAX_HOPS = 12;

/** A browser in miniature: a cookie jar, redirects followed while they stay on the provider, forms submitted. */
async function driveLogin(start: string, login: string, issuer: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  let url = new URL(start);
  let body: URLSearchParams | null = null;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (url.origin !== issuer) return url;
    const res: Response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: body
        ? { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' }
        : { cookie: cookieHeader() },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    keep(res);
    body = null;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const html: string = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action)
      throw new Error(`The provider answered ${res.status}: ${html.slice(0, 300)}`);
    const prompt: string = /name="prompt" value="([^"]+)"/.exec(html)?.[1] ?? 'login';
    body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
    url = new URL(action.replaceAll('&amp;', '&'), url);
  }
  throw new Error('The provider did not send the browser back within 12 steps');
}
