/** Request body schemas (zod 4). The OpenAPI document is generated from these. */
import { z } from 'zod';
import { APP_LEVELS, limits, MAX_EXPIRY_MS } from '../../core/index.ts';

const text = (max: number) => z.string().max(max);
const id = z.string().min(1).max(100);

export const Email = z.string().trim().min(3).max(254);
export const Password = z.string().min(limits.MIN_PASSWORD_LENGTH).max(limits.MAX_PASSWORD_LENGTH);

export const SetupBody = z.object({
  token: text(200),
  workspace: z.object({ name: text(100).min(1), slug: text(40).min(2) }),
  admin: z.object({ email: Email, name: text(100).min(1), password: Password }),
});
export const LoginBody = z.object({ email: text(254), password: text(256) });
export const AcceptInvitationBody = z.object({ name: text(100).optional(), password: text(256).optional() });
export const CreateWorkspaceBody = z.object({ name: text(100).min(1), slug: text(40).min(2) });

export const GroupCreateBody = z.object({ name: text(200) });
export const GroupRenameBody = z.object({ name: text(200) });
export const DuplicateBody = z.object({
  parts: z
    .object({ users: z.boolean(), permissions: z.boolean(), apps: z.boolean(), dataSources: z.boolean() })
    .default({ users: true, permissions: true, apps: true, dataSources: true }),
});
/** A membership's end, epoch ms (core checks it is in the future). */
const ExpiresAt = z.number().int().positive().max(MAX_EXPIRY_MS);
export const AddMembersBody = z.object({
  userIds: z.array(id).min(1).max(10_000),
  /** Omitted: permanent. A temporary membership gives no access from this time on. */
  expiresAt: ExpiresAt.optional(),
  allowRoleChange: z.boolean().optional(),
});
export const MemberExpiryBody = z.object({
  /** Null: permanent. */
  expiresAt: ExpiresAt.nullable(),
  allowRoleChange: z.boolean().optional(),
});
export const FlagsBody = z.object({
  appCreate: z.boolean().optional(),
  appDelete: z.boolean().optional(),
  folderCRUD: z.boolean().optional(),
  orgConstantCRUD: z.boolean().optional(),
  dataSourceCreate: z.boolean().optional(),
  dataSourceDelete: z.boolean().optional(),
  allowRoleChange: z.boolean().optional(),
});
const grantFields = {
  name: text(200),
  resourceType: z.enum(['app', 'dataSource']),
  scope: z.enum(['all', 'custom']),
  resourceIds: z.array(id).max(10_000),
  level: z.enum(['edit', 'view', 'configure', 'use']),
  hideFromDashboard: z.boolean(),
};
export const GrantAddBody = z.object({
  ...grantFields,
  resourceIds: grantFields.resourceIds.default([]),
  hideFromDashboard: z.boolean().default(false),
  allowRoleChange: z.boolean().optional(),
});
export const GrantPatchBody = z.object({
  name: grantFields.name.optional(),
  resourceType: grantFields.resourceType.optional(),
  scope: grantFields.scope.optional(),
  resourceIds: grantFields.resourceIds.optional(),
  level: grantFields.level.optional(),
  hideFromDashboard: z.boolean().optional(),
  allowRoleChange: z.boolean().optional(),
});

const Role = z.enum(['admin', 'builder', 'end-user']);
export const InviteBody = z.object({
  email: Email,
  name: text(200).default(''),
  role: Role.default('end-user'),
});
export const UserPatchBody = z.object({
  role: Role.optional(),
  name: text(200).optional(),
  allowRoleChange: z.boolean().optional(),
});

const UrlPatterns = z.array(text(500)).max(20);
/** Forward auth: the level every request needs (view, edit), or null for by method. */
const ForwardAuthLevel = z.enum(APP_LEVELS).nullable().optional();
export const AppCreateBody = z.object({
  name: text(200),
  slug: text(100).optional(),
  urlPatterns: UrlPatterns.optional(),
  forwardAuthLevel: ForwardAuthLevel,
});
export const AppPatchBody = z.object({
  name: text(200).optional(),
  slug: text(100).optional(),
  urlPatterns: UrlPatterns.optional(),
  forwardAuthLevel: ForwardAuthLevel,
});
export const DataSourceCreateBody = z.object({ name: text(200), kind: text(50).default('postgres') });
export const DataSourcePatchBody = z.object({ name: text(200).optional(), kind: text(50).optional() });
export const TokenCreateBody = z.object({ name: text(100).min(1) });
export const PasswordResetBody = z.object({ token: text(300).min(1), password: text(256) });
