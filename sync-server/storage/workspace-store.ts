/**
 * Workspaces, the memberships projection of each doc's users (so `/api/me` need not load every doc) and
 * the `joined` facts (the account itself activated the user: accepted its invitation, created the
 * workspace), which session revocation relies on (sync/after-commit.ts).
 */
import type { Role, UserStatus } from '../../core/index.ts';

export interface Workspace {
  readonly id: string;
  /** URL part, unique, lower-case. */
  readonly slug: string;
  readonly name: string;
  readonly createdAt: number;
}

/** Projection of a workspace doc's users. */
export interface Membership {
  readonly workspaceId: string;
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  readonly status: UserStatus;
}

export interface WorkspaceStore {
  /** Creates the workspace with its first doc update (one transaction). */
  createWorkspace(input: { slug: string; name: string; initialUpdate: Uint8Array }): Promise<Workspace>;
  workspaceBySlug(slug: string): Promise<Workspace | null>;
  workspaceById(id: string): Promise<Workspace | null>;
  listWorkspaces(): Promise<Workspace[]>;
  renameWorkspace(id: string, name: string): Promise<void>;
}

export interface MembershipStore {
  setMemberships(
    workspaceId: string,
    rows: readonly Membership[],
    removedUserIds: readonly string[],
  ): Promise<void>;
  membershipsOfEmail(email: string): Promise<Membership[]>;
  recordJoined(input: { workspaceId: string; accountId: string; userId: string; at: number }): Promise<void>;
  hasJoined(workspaceId: string, accountId: string, userId: string): Promise<boolean>;
}

/** The workspaces aggregate, as one store (one implementation per backend). */
export interface WorkspaceStores extends WorkspaceStore, MembershipStore {}
