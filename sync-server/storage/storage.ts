/**
 * Storage: everything the server keeps, behind one interface so that PostgreSQL can replace SQLite.
 * Methods return promises even though the SQLite implementation is synchronous underneath; callers must
 * not assume a write happened before its promise resolves.
 *
 * Durability contract: `appendUpdates` resolves only once the updates are committed; the sync pipeline
 * relays an update only after that.
 */

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

export interface Workspace {
  readonly id: string;
  /** URL part, unique, lower-case. */
  readonly slug: string;
  readonly name: string;
  readonly createdAt: number;
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

/** Projection of a workspace doc's users, so `/api/me` need not load every doc. */
export interface Membership {
  readonly workspaceId: string;
  readonly userId: string;
  readonly email: string;
  readonly role: string;
  readonly status: string;
}

export interface AuditEntity {
  readonly collection: string;
  readonly id: string;
  readonly name?: string | undefined;
  readonly fields: readonly string[];
}

export interface AuditEntryInput {
  readonly workspaceId: string;
  readonly at: number;
  /** Account id, or null for the server itself (repairs). */
  readonly actorId: string | null;
  readonly actorEmail: string | null;
  readonly actorName: string | null;
  /** How the change came: `sync`, `api`, `server`. */
  readonly source: string;
  /** A command type (`group.create`), `doc.update` or `repair`. */
  readonly action: string;
  readonly entities: readonly AuditEntity[];
  readonly summary: string;
}

export interface AuditEntry extends AuditEntryInput {
  /** Increasing; the paging cursor. */
  readonly id: number;
}

export interface AuditQuery {
  readonly workspaceId: string;
  /** Account id or email. */
  readonly actor?: string | undefined;
  /** A collection (`groups`) or an entity id. */
  readonly entity?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** Entries with id below this. */
  readonly before?: number | undefined;
  readonly limit: number;
}

/**
 * Facts about a snapshot's state, written with it, so that a new client can be answered from the stored
 * bytes before the doc is loaded (only while no update is logged after the snapshot).
 */
export interface SnapshotInfo {
  readonly stateVector: Uint8Array;
  /** Lower-cased emails whose user (as `userByEmail` picks it) is an active admin in that state. */
  readonly adminEmails: readonly string[];
}

/** What a workspace doc is made of in storage: one snapshot plus the updates logged after it. */
export interface StoredDoc {
  /** A V1 update (the wire format, so it can be sent as is). */
  readonly snapshot: Uint8Array | null;
  readonly snapshotInfo: SnapshotInfo | null;
  readonly updates: readonly Uint8Array[];
  /** Sequence number of the last update included (in the snapshot or the log). */
  readonly lastSeq: number;
  readonly bytes: number;
}

/** One accepted update and the audit record it produces, committed together. */
export interface UpdateRecord {
  readonly update: Uint8Array;
  readonly audit: AuditEntryInput | null;
}

export interface Storage {
  // accounts
  createAccount(input: { email: string; name: string; passwordHash: string | null }): Promise<Account>;
  accountByEmail(email: string): Promise<AccountWithSecret | null>;
  accountById(id: string): Promise<Account | null>;
  setAccountPassword(id: string, passwordHash: string): Promise<void>;
  countAccounts(): Promise<number>;
  /** Undoes an account created moments ago by a step that then failed (sessions and tokens go with it). */
  deleteAccount(id: string): Promise<void>;

  // sessions (tokens stored as SHA-256 hashes)
  createSession(input: { accountId: string; tokenHash: string; expiresAt: number }): Promise<Session>;
  sessionByTokenHash(tokenHash: string, now: number): Promise<Session | null>;
  deleteSessionByTokenHash(tokenHash: string): Promise<void>;
  deleteSessionsOfAccount(accountId: string): Promise<void>;
  deleteExpiredSessions(now: number): Promise<number>;

  // API tokens
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

  // workspaces
  createWorkspace(input: { slug: string; name: string; initialUpdate: Uint8Array }): Promise<Workspace>;
  workspaceBySlug(slug: string): Promise<Workspace | null>;
  workspaceById(id: string): Promise<Workspace | null>;
  listWorkspaces(): Promise<Workspace[]>;
  renameWorkspace(id: string, name: string): Promise<void>;

  // doc log
  loadDoc(workspaceId: string): Promise<StoredDoc>;
  appendUpdates(workspaceId: string, records: readonly UpdateRecord[]): Promise<number>;
  /** Replaces the snapshot with `snapshot` (covering every update up to `uptoSeq`) and drops those updates. */
  compact(workspaceId: string, snapshot: Uint8Array, uptoSeq: number, info?: SnapshotInfo): Promise<void>;

  // memberships projection
  setMemberships(
    workspaceId: string,
    rows: readonly Membership[],
    removedUserIds: readonly string[],
  ): Promise<void>;
  membershipsOfEmail(email: string): Promise<Membership[]>;

  // invitations
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

  // who really joined: the account itself activated the user (accepted its invitation, created the workspace)
  recordJoined(input: { workspaceId: string; accountId: string; userId: string; at: number }): Promise<void>;
  hasJoined(workspaceId: string, accountId: string, userId: string): Promise<boolean>;

  // password resets (one live link per account: creating one drops the account's unused ones)
  createPasswordReset(input: {
    accountId: string;
    secretHash: string;
    createdBy: string | null;
    expiresAt: number;
  }): Promise<PasswordReset>;
  passwordResetById(id: string): Promise<PasswordReset | null>;
  /** Marks the link used if it is not yet: true for exactly one of concurrent callers. */
  usePasswordReset(id: string, at: number): Promise<boolean>;

  // audit
  addAudit(entries: readonly AuditEntryInput[]): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Most recent entries touching an entity id, newest first. */
  recentAuditFor(
    workspaceId: string,
    entityIds: readonly string[],
    sinceMs: number,
    limit: number,
  ): Promise<AuditEntry[]>;

  close(): Promise<void>;
}
