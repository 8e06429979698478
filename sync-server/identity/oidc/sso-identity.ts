/**
 * Who an ID token says signed in, and whether this connection lets them in: an email (verified, unless
 * the admin made the IdP authoritative for its domain), in an allowed domain, and the groups the
 * connection's groups claim carries (a missing claim is "no groups": the sync then removes the
 * connection's own memberships, nothing else). Pure.
 */
import { isValidEmail } from '../../../core/index.ts';
import type { SsoConnection } from '../../storage/sso-store.ts';

export type SsoRefusal =
  | 'no-email'
  | 'email-not-verified'
  | 'domain-not-allowed'
  | 'not-a-member'
  | 'user-archived'
  | 'sign-in-failed'
  | 'sign-in-expired';

/** What each refusal tells the person on the sign-in page. */
export const SSO_REFUSALS: Readonly<Record<SsoRefusal, string>> = {
  'no-email': 'Your identity provider did not send an email address for you.',
  'email-not-verified': 'Your identity provider says your email address is not verified.',
  'domain-not-allowed': 'Your email domain may not sign in to this workspace with this connection.',
  'not-a-member': 'You are not a member of this workspace yet: ask one of its admins to invite you.',
  'user-archived': 'Your user in this workspace is archived: ask one of its admins to restore it.',
  'sign-in-failed': 'The sign-in with your identity provider did not complete. Try again.',
  'sign-in-expired': 'This sign-in link has expired or was already used. Start again.',
};

export interface SsoIdentity {
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
  /** False when the token has no groups claim at all. */
  readonly groupsClaimPresent: boolean;
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1);

export function ssoIdentity(
  connection: SsoConnection,
  claims: Readonly<Record<string, unknown>>,
): { ok: true; identity: SsoIdentity } | { ok: false; code: SsoRefusal; email: string } {
  const raw = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!raw || !isValidEmail(raw)) return { ok: false, code: 'no-email', email: raw };
  const domain = domainOf(raw);
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  if (!verified && !connection.authoritativeDomains.includes(domain))
    return { ok: false, code: 'email-not-verified', email: raw };
  if (connection.allowedDomains.length > 0 && !connection.allowedDomains.includes(domain))
    return { ok: false, code: 'domain-not-allowed', email: raw };
  const claim = claims[connection.groupsClaim];
  const groups = Array.isArray(claim) ? claim.filter((g): g is string => typeof g === 'string') : [];
  const name =
    typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : raw.split('@')[0]!;
  return { ok: true, identity: { email: raw, name, groups, groupsClaimPresent: Array.isArray(claim) } };
}
