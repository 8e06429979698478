/**
 * The one place Gatehouse speaks OpenID Connect to an identity provider, with `openid-client` 6:
 * discovery (cached a few minutes per issuer and client), the authorization URL of a sign-in (code flow,
 * PKCE S256, state, nonce) and the code exchange, which checks state, nonce, PKCE, the ID token's
 * signature, issuer, audience and expiry. Plain http is allowed only for an issuer on loopback (tests, a
 * local IdP); every other issuer must use https.
 */
import * as oidc from 'openid-client';
import { isLoopbackHost } from '../../auth/credentials.ts';

/** How long a provider's discovered metadata is reused. */
const DISCOVERY_TTL_MS = 5 * 60_000;
/** Each request to the provider gives up after this long. */
const PROVIDER_TIMEOUT_S = 10;

export interface ProviderClient {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
}

/** Why talking to the provider failed, in words an admin can act on. */
export class ProviderError extends Error {
  constructor(
    readonly step: 'issuer' | 'discovery' | 'token' | 'id-token',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const cache = new Map<string, { config: oidc.Configuration; until: number }>();

/** The issuer as a URL this server may call, or a ProviderError('issuer'). */
export function issuerUrl(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ProviderError('issuer', 'The issuer is not a URL');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.host)) return url;
  throw new ProviderError('issuer', 'The issuer must be an https URL (http only on loopback)');
}

/** The provider's configuration for this client (discovered, or from the cache). */
export async function providerConfig(c: ProviderClient, fresh = false): Promise<oidc.Configuration> {
  const url = issuerUrl(c.issuer);
  const key = JSON.stringify([url.href, c.clientId, c.clientSecret]);
  const hit = cache.get(key);
  if (hit && !fresh && hit.until > Date.now()) return hit.config;
  const execute = url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(
      url,
      c.clientId,
      undefined,
      c.clientSecret === null ? oidc.None() : oidc.ClientSecretBasic(c.clientSecret),
      { execute, timeout: PROVIDER_TIMEOUT_S },
    );
  } catch (err) {
    throw new ProviderError('discovery', `Discovery at ${url.href} failed: ${describe(err)}`, { cause: err });
  }
  config.timeout = PROVIDER_TIMEOUT_S;
  cache.set(key, { config, until: Date.now() + DISCOVERY_TTL_MS });
  return config;
}

export interface AuthorizationStart {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export async function authorizationStart(
  config: oidc.Configuration,
  redirectUri: string,
  scopes: readonly string[],
): Promise<AuthorizationStart> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const scope = ['openid', ...scopes.filter((s) => s !== 'openid')].join(' ');
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, state, nonce, codeVerifier };
}

/**
 * Exchanges the code the provider sent back to `callbackUrl` for tokens and returns the ID token's
 * claims (and the userinfo's when the ID token has no email). Throws ProviderError.
 */
export async function exchangeCode(
  config: oidc.Configuration,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string },
): Promise<Record<string, unknown>> {
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    throw new ProviderError('token', `The provider refused the sign-in: ${describe(err)}`, { cause: err });
  }
  const claims = tokens.claims();
  if (!claims) throw new ProviderError('id-token', 'The provider sent no ID token');
  if (typeof claims.email === 'string' || !config.serverMetadata().userinfo_endpoint) return { ...claims };
  try {
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    return { ...info, ...claims };
  } catch {
    return { ...claims };
  }
}

/** The OAuth `error` of a refusal: in the body, or in a 401's WWW-Authenticate challenge. */
function oauthError(err: unknown): string | undefined {
  const e = err as { error?: unknown; cause?: unknown } | null;
  if (typeof e?.error === 'string') return e.error;
  const challenges = Array.isArray(e?.cause) ? (e.cause as { parameters?: { error?: unknown } }[]) : [];
  const found = challenges.find((c) => typeof c.parameters?.error === 'string');
  return found?.parameters?.error as string | undefined;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { error?: string; error_description?: string; cause?: unknown };
  if (e.error) return e.error_description ? `${e.error}: ${e.error_description}` : e.error;
  const challenge = oauthError(err);
  if (challenge) return challenge;
  const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
  return `${e.message}${cause}`;
}

export interface CheckResult {
  readonly step: 'issuer' | 'discovery' | 'metadata' | 'client';
  readonly ok: boolean;
  readonly message: string;
}

/**
 * "Test connection": discovery (fresh), the metadata a code + PKCE sign-in needs, and a round trip to
 * the token endpoint with a code that cannot be valid — `invalid_grant` means the provider accepted the
 * client id and secret, `invalid_client` that it did not. Stops at the first failing step.
 */
export async function checkProvider(c: ProviderClient, redirectUri: string): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  let config: oidc.Configuration;
  try {
    config = await providerConfig(c, true);
  } catch (err) {
    const e = err instanceof ProviderError ? err : new ProviderError('discovery', describe(err));
    out.push({ step: e.step === 'issuer' ? 'issuer' : 'discovery', ok: false, message: e.message });
    return out;
  }
  const meta = config.serverMetadata();
  out.push({ step: 'discovery', ok: true, message: `Found the provider ${meta.issuer}` });
  const missing = (['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const).filter((k) => !meta[k]);
  const methods = meta.code_challenge_methods_supported;
  if (missing.length > 0 || (methods && !methods.includes('S256'))) {
    const why =
      missing.length > 0 ? `it lists no ${missing.join(', ')}` : 'it does not support PKCE with S256';
    out.push({ step: 'metadata', ok: false, message: `The provider cannot sign people in here: ${why}` });
    return out;
  }
  out.push({ step: 'metadata', ok: true, message: 'Authorization code flow with PKCE (S256) is available' });
  try {
    await oidc.genericGrantRequest(config, 'authorization_code', {
      code: 'gatehouse-connection-test',
      redirect_uri: redirectUri,
      code_verifier: oidc.randomPKCECodeVerifier(),
    });
    out.push({ step: 'client', ok: false, message: 'The provider accepted a made-up code: it is not safe' });
  } catch (err) {
    const code = oauthError(err);
    if (code === 'invalid_grant')
      out.push({ step: 'client', ok: true, message: 'The provider accepted the client id and secret' });
    else if (code === 'invalid_client' || code === 'unauthorized_client')
      out.push({
        step: 'client',
        ok: false,
        message: `The provider refused the client id or secret (${describe(err)})`,
      });
    else out.push({ step: 'client', ok: false, message: `The token endpoint answered: ${describe(err)}` });
  }
  return out;
}
