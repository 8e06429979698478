/** The SSO routes' bodies and replies (sso.ts, sso-sign-in.ts), validated at the edge with zod. */
import { z } from 'zod';
import { ROLES } from '../../../core/index.ts';

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'Not a domain name');
/** OAuth scope tokens (RFC 6749 §3.3). */
const Scope = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, 'Not a scope');

export const MappingBody = z.object({
  idpGroup: z.string().trim().min(1).max(256),
  groupId: z.string().trim().min(1).max(64),
  role: z.enum(ROLES).nullable().default(null),
  /** The admin saw this mapping's impact and confirms its upgrades (SPEC rule 4). */
  confirmImpact: z.boolean().optional(),
});

export const ConnectionBody = z.object({
  name: z.string().trim().min(1).max(80),
  issuer: z.string().trim().min(1).max(2048),
  clientId: z.string().trim().min(1).max(512),
  /** Omitted on an update: the saved secret stays. */
  clientSecret: z.string().min(1).max(4096).optional(),
  scopes: z.array(Scope).max(20).default(['email', 'profile']),
  groupsClaim: z.string().trim().min(1).max(128).default('groups'),
  allowedDomains: z.array(Domain).max(100).default([]),
  authoritativeDomains: z.array(Domain).max(100).default([]),
  jit: z.boolean().default(false),
  jitRole: z.enum(['end-user', 'builder']).default('end-user'),
  mappings: z.array(MappingBody).max(500).default([]),
});
export type ConnectionBody = z.infer<typeof ConnectionBody>;

export const ImpactBody = z.object({ mappings: z.array(MappingBody).max(500) });
export const PolicyBody = z.object({ passwordSignIn: z.boolean() });

const Mapping = z.object({
  idpGroup: z.string(),
  groupId: z.string(),
  role: z.enum(ROLES).nullable(),
  confirmedBy: z.string().nullable(),
  confirmedAt: z.number().nullable(),
});

export const ConnectionJson = z.object({
  id: z.string(),
  name: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  hasSecret: z.boolean(),
  scopes: z.array(z.string()),
  groupsClaim: z.string(),
  allowedDomains: z.array(z.string()),
  authoritativeDomains: z.array(z.string()),
  jit: z.boolean(),
  jitRole: z.enum(ROLES),
  mappings: z.array(Mapping),
  /** Register this redirect URI at the identity provider. */
  redirectUri: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const UserChange = z.object({
  userId: z.string(),
  email: z.string(),
  groupId: z.string(),
  groupName: z.string(),
});
export const PreviewJson = z.object({
  joins: z.array(UserChange),
  leaves: z.array(UserChange.extend({ reason: z.enum(['idp-group', 'mapping-removed']) })),
  roleChanges: z.array(
    z.object({
      userId: z.string(),
      email: z.string(),
      name: z.string(),
      from: z.enum(ROLES),
      to: z.enum(ROLES),
    }),
  ),
  held: z.array(z.object({ userId: z.string(), email: z.string(), what: z.string() })),
  seatsBefore: z.number(),
  seatsAfter: z.number(),
  seatDelta: z.number(),
  usersKnown: z.number(),
});

export const CheckJson = z.object({
  ok: z.boolean(),
  steps: z.array(z.object({ step: z.string(), ok: z.boolean(), message: z.string() })),
});

export const SignInJson = z.object({
  id: z.number(),
  at: z.number(),
  email: z.string(),
  userId: z.string().nullable(),
  outcome: z.string(),
  changes: z.array(z.string()),
});
