/**
 * Rows to domain objects (and new records before they are written), once for both backends: SQLite and PostgreSQL name the columns alike
 * (snake_case, times as epoch milliseconds; PostgreSQL's BIGINTs arrive as numbers, postgres/pool.ts).
 */

import { ROLES, type Role, USER_STATUSES, type UserStatus } from '../../core/index.ts';
import type {
  Account,
  AccountWithSecret,
  ApiToken,
  Invitation,
  InvitationStore,
  PasswordReset,
  PasswordResetStore,
  Session,
} from './account-store.ts';
import type { AuditEntry } from './audit-store.ts';
import type { DecisionToken, DecisionTokenStore } from './decision-token-store.ts';
import { newRowId } from './row-id.ts';
import type { Membership, Workspace } from './workspace-store.ts';

/** A row as a driver returns it. */
export type Row = Record<string, unknown>;

const orNull = <T>(v: unknown) => (v as T | null | undefined) ?? null;

export const toAccount = (r: Row): AccountWithSecret => ({
  id: r.id as string,
  email: r.email as string,
  name: r.name as string,
  createdAt: r.created_at as number,
  passwordHash: orNull<string>(r.password_hash),
});
export const toSession = (r: Row): Session => ({
  id: r.id as string,
  accountId: r.account_id as string,
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
});
export const toToken = (r: Row): ApiToken => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  accountId: r.account_id as string,
  name: r.name as string,
  createdAt: r.created_at as number,
  lastUsedAt: orNull<number>(r.last_used_at),
});
export const toDecisionToken = (r: Row): DecisionToken => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  name: r.name as string,
  createdBy: orNull<string>(r.created_by),
  createdByEmail: orNull<string>(r.created_by_email),
  createdAt: r.created_at as number,
  lastUsedAt: orNull<number>(r.last_used_at),
  requestCount: Number(r.request_count ?? 0),
});
export const toInvitation = (r: Row): Invitation => ({
  id: r.id as string,
  workspaceId: r.workspace_id as string,
  userId: r.user_id as string,
  email: r.email as string,
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  acceptedAt: orNull<number>(r.accepted_at),
});
export const toReset = (r: Row): PasswordReset => ({
  id: r.id as string,
  accountId: r.account_id as string,
  secretHash: r.secret_hash as string,
  createdBy: orNull<string>(r.created_by),
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  usedAt: orNull<number>(r.used_at),
});
export const toWorkspace = (r: Row): Workspace => ({
  id: r.id as string,
  slug: r.slug as string,
  name: r.name as string,
  createdAt: r.created_at as number,
});
export const toMembership = (r: Row): Membership => ({
  workspaceId: r.workspace_id as string,
  userId: r.user_id as string,
  email: r.email as string,
  // Least privilege for anything stored that is not a role or status (never written by us).
  role: (ROLES as readonly unknown[]).includes(r.role) ? (r.role as Role) : 'end-user',
  status: (USER_STATUSES as readonly unknown[]).includes(r.status) ? (r.status as UserStatus) : 'archived',
});
/** `entities` is JSON text in SQLite and JSONB (already parsed) in PostgreSQL. */
export const toAudit = (r: Row): AuditEntry => ({
  id: r.id as number,
  workspaceId: r.workspace_id as string,
  at: r.at as number,
  actorId: orNull<string>(r.actor_id),
  actorEmail: orNull<string>(r.actor_email),
  actorName: orNull<string>(r.actor_name),
  source: r.source as string,
  action: r.action as string,
  entities: typeof r.entities === 'string' ? JSON.parse(r.entities) : (r.entities as AuditEntry['entities']),
  summary: r.summary as string,
});

/** A new account as both backends store it: fresh id, lower-cased email, created now. */
export const newAccount = (email: string, name: string): Account => ({
  id: newRowId(),
  email: email.toLowerCase(),
  name,
  createdAt: Date.now(),
});

/** A new invitation as both backends store it (the email lower-cased: lookups compare it so). */
export const newInvitation = (input: Parameters<InvitationStore['createInvitation']>[0]): Invitation => ({
  id: newRowId(),
  workspaceId: input.workspaceId,
  userId: input.userId,
  email: input.email.toLowerCase(),
  createdAt: Date.now(),
  expiresAt: input.expiresAt,
  acceptedAt: null,
});

/** A new admin-issued password reset as both backends store it. */
export const newPasswordReset = (
  input: Parameters<PasswordResetStore['createPasswordReset']>[0],
): PasswordReset => ({
  id: newRowId(),
  accountId: input.accountId,
  secretHash: input.secretHash,
  createdBy: input.createdBy,
  createdAt: Date.now(),
  expiresAt: input.expiresAt,
  usedAt: null,
});

/** A new decision token as both backends store it (never used yet). */
export const newDecisionToken = (
  input: Parameters<DecisionTokenStore['createDecisionToken']>[0],
): DecisionToken => ({
  id: newRowId(),
  workspaceId: input.workspaceId,
  name: input.name,
  createdBy: input.createdBy,
  createdByEmail: input.createdByEmail,
  createdAt: Date.now(),
  lastUsedAt: null,
  requestCount: 0,
});
