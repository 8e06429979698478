/**
 * Accounts and what proves or changes who they are: sessions and API tokens (stored as SHA-256 hashes
 * of the bearer token), invitations and admin-issued password resets; and decision tokens, which
 * belong to no account (decision-token-store.ts).
 */
import type { DecisionTokenStore } from './decision-token-store.ts';

/** A login on the server. `email` is lower-cased and unique. */
export interface Account {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface AccountWithSecret extends Account {
  /** `scrypt$N$r$p$salt$hash`, see auth/password.ts. */
  readonly passwordHash: string | null;
}

export interface Session {
  readonly id: string;
  readonly accountId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A named API token: acts as its account, only in its workspace. */
export interface ApiToken {
  readonly id: string;
  readonly workspaceId: string;
  readonly accountId: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface Invitation {
  readonly id: string;
  readonly workspaceId: string;
  readonly userId: string;
  readonly email: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly acceptedAt: number | null;
}

/** An admin-issued one-time password reset link (the secret half is stored hashed). */
export interface PasswordReset {
  /** The link's public half (`<id>.<secret>`). */
  readonly id: string;
  readonly accountId: string;
  /** SHA-256 of the secret half, hex; compared in constant time. */
  readonly secretHash: string;
  /** The issuing admin's account id. */
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

export interface AccountStore {
  createAccount(input: { email: string; name: string; passwordHash: string | null }): Promise<Account>;
  accountByEmail(email: string): Promise<AccountWithSecret | null>;
  accountById(id: string): Promise<Account | null>;
  setAccountPassword(id: string, passwordHash: string): Promise<void>;
  countAccounts(): Promise<number>;
  /**
   * First-run setup's claim: creates the account only if there is none yet, atomically across every
   * instance on the database (two setups racing on two instances: one gets the account, the other null).
   */
  createFirstAccount(input: {
    email: string;
    name: string;
    passwordHash: string | null;
  }): Promise<Account | null>;
  /** Undoes an account created moments ago by a step that then failed (sessions and tokens go with it). */
  deleteAccount(id: string): Promise<void>;
}

export interface SessionStore {
  createSession(input: { accountId: string; tokenHash: string; expiresAt: number }): Promise<Session>;
  sessionByTokenHash(tokenHash: string, now: number): Promise<Session | null>;
  deleteSessionByTokenHash(tokenHash: string): Promise<void>;
  deleteSessionsOfAccount(accountId: string): Promise<void>;
  deleteExpiredSessions(now: number): Promise<number>;
}

export interface ApiTokenStore {
  createApiToken(input: {
    workspaceId: string;
    accountId: string;
    name: string;
    tokenHash: string;
  }): Promise<ApiToken>;
  apiTokenByHash(tokenHash: string): Promise<ApiToken | null>;
  listApiTokens(workspaceId: string): Promise<ApiToken[]>;
  deleteApiToken(workspaceId: string, id: string): Promise<boolean>;
  touchApiToken(id: string, at: number): Promise<void>;
  /** Deletes the account's API tokens in one workspace; returns their ids. */
  deleteApiTokensOf(workspaceId: string, accountId: string): Promise<string[]>;
}

export interface InvitationStore {
  createInvitation(input: {
    workspaceId: string;
    userId: string;
    email: string;
    tokenHash: string;
    expiresAt: number;
  }): Promise<Invitation>;
  invitationByTokenHash(tokenHash: string): Promise<Invitation | null>;
  markInvitationAccepted(id: string, at: number): Promise<void>;
  /** Marks the invitation accepted if it is not yet: true for exactly one of concurrent callers. */
  claimInvitation(id: string, at: number): Promise<boolean>;
  /** Gives a claimed invitation back (acceptance failed after the claim). */
  releaseInvitation(id: string): Promise<void>;
}

/** One live link per account: creating one drops the account's unused ones. */
export interface PasswordResetStore {
  createPasswordReset(input: {
    accountId: string;
    secretHash: string;
    createdBy: string | null;
    expiresAt: number;
  }): Promise<PasswordReset>;
  passwordResetById(id: string): Promise<PasswordReset | null>;
  /** Marks the link used if it is not yet: true for exactly one of concurrent callers. */
  usePasswordReset(id: string, at: number): Promise<boolean>;
}

/** The accounts aggregate, as one store (one implementation per backend). */
export interface AccountStores
  extends AccountStore,
    SessionStore,
    ApiTokenStore,
    InvitationStore,
    PasswordResetStore,
    DecisionTokenStore {}
