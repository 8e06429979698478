/**
 * Single sign-on with OpenID Connect (issue 13): per workspace, SSO connections (one per identity
 * provider, with its client secret, which is never read back by the API), the workspace's sign-in
 * policy (password sign-in on or off), the short-lived state of sign-ins in progress (state, nonce and
 * PKCE verifier: one use, minutes), each user's last known IdP groups per connection (what a mapping's
 * impact is computed from), which sessions an SSO sign-in started (what an SSO-only workspace accepts
 * from non-admins) and a short log of sign-ins and what each changed.
 *
 * Users and groups live in the workspace doc and change through core commands only.
 */
import type { Role } from '../../core/index.ts';

/** One IdP group → one Gatehouse custom group (and optionally a role). */
export interface SsoGroupMapping {
  /** The IdP group's name as the groups claim carries it (compared exactly). */
  readonly idpGroup: string;
  readonly groupId: string;
  /** Members of the IdP group get at least this role (never lowered by a sync). */
  readonly role: Role | null;
  /**
   * The admin (account id) who confirmed this mapping's impact when saving it, and when: only then may
   * it make End-users Builders (SPEC rule 4); otherwise such a membership is held as a conflict.
   */
  readonly confirmedBy: string | null;
  readonly confirmedAt: number | null;
}

/** What an admin sets on a connection (the secret apart). */
export interface SsoConnectionSettings {
  readonly name: string;
  /** The issuer URL; `/.well-known/openid-configuration` is discovered below it. */
  readonly issuer: string;
  readonly clientId: string;
  /** Asked for besides `openid` (e.g. `email`, `profile`, `groups`). */
  readonly scopes: readonly string[];
  /** The ID token claim that carries the user's groups. */
  readonly groupsClaim: string;
  /** Lower-cased email domains that may sign in here; empty: any. */
  readonly allowedDomains: readonly string[];
  /** Domains the IdP is authoritative for: `email_verified` is not required for them. */
  readonly authoritativeDomains: readonly string[];
  /** Unknown people are created on their first sign-in (Just-In-Time) with `jitRole`. */
  readonly jit: boolean;
  readonly jitRole: Role;
  readonly mappings: readonly SsoGroupMapping[];
}

export interface SsoConnection extends SsoConnectionSettings {
  readonly id: string;
  readonly workspaceId: string;
  /** True once a client secret is saved (it is never returned). */
  readonly hasSecret: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A sign-in in progress: what the callback must find (looked up by the SHA-256 of `state`). */
export interface SsoFlow {
  readonly stateHash: string;
  readonly workspaceId: string;
  readonly connectionId: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Where to go after signing in (a path of this server), or the extension's redirect URL. */
  readonly returnTo: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A user's groups as the connection last saw them. */
export interface SsoUserGroups {
  readonly connectionId: string;
  readonly userId: string;
  readonly groups: readonly string[];
  readonly at: number;
}

export interface SsoSignInEntry {
  readonly connectionId: string;
  readonly at: number;
  readonly email: string;
  readonly userId: string | null;
  /** `signed-in`, or the refusal's code (`domain-not-allowed`, `email-not-verified`, …). */
  readonly outcome: string;
  /** What the sign-in changed, in words (joined X, left Y, held: …). */
  readonly changes: readonly string[];
}

export interface SsoSignIn extends SsoSignInEntry {
  readonly id: number;
}

/** Sign-ins kept per connection (older ones are dropped as new ones arrive). */
export const SSO_SIGN_INS_KEPT = 200;

export interface SsoStore {
  createSsoConnection(input: {
    workspaceId: string;
    settings: SsoConnectionSettings;
    clientSecret: string | null;
  }): Promise<SsoConnection>;
  listSsoConnections(workspaceId: string): Promise<SsoConnection[]>;
  ssoConnectionById(workspaceId: string, id: string): Promise<SsoConnection | null>;
  /** The client secret, for the token request only (null: none saved, or no such connection). */
  ssoClientSecret(workspaceId: string, id: string): Promise<string | null>;
  /** `clientSecret` undefined keeps the saved one. Null when there is no such connection. */
  updateSsoConnection(
    workspaceId: string,
    id: string,
    settings: SsoConnectionSettings,
    clientSecret?: string | undefined,
  ): Promise<SsoConnection | null>;
  /** Deletes the connection with its flows, users' groups and sign-in log. */
  deleteSsoConnection(workspaceId: string, id: string): Promise<boolean>;

  /** Whether people may sign in to the workspace with a password (admins always may: break-glass). */
  passwordSignInAllowed(workspaceId: string): Promise<boolean>;
  setPasswordSignIn(workspaceId: string, allowed: boolean): Promise<void>;

  createSsoFlow(flow: SsoFlow): Promise<void>;
  /** Removes and returns the flow if it exists and has not expired at `now` (one use). */
  takeSsoFlow(stateHash: string, now: number): Promise<SsoFlow | null>;
  deleteExpiredSsoFlows(now: number): Promise<number>;

  putSsoUserGroups(entry: SsoUserGroups): Promise<void>;
  ssoUserGroups(connectionId: string): Promise<SsoUserGroups[]>;

  /** Marks a session as started by an SSO sign-in (until it expires): it may open SSO-only workspaces. */
  markSsoSession(tokenHash: string, expiresAt: number): Promise<void>;
  isSsoSession(tokenHash: string, now: number): Promise<boolean>;

  addSsoSignIn(entry: SsoSignInEntry): Promise<void>;
  /** Newest first. */
  recentSsoSignIns(connectionId: string, limit: number): Promise<SsoSignIn[]>;
}
