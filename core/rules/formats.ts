/**
 * The formats of the workspace's text fields: emails, app slugs, data-source kinds, and the names of
 * users, apps and data sources. Each check takes the text as typed and returns the stored form, so the
 * command path (normalize, then store) and the sync path (the stored form must already be normal) call
 * the same function.
 */
import { fail, ok, type Result } from '../errors.ts';
import { MAX_EMAIL, MAX_KIND, MAX_SLUG, MAX_TEXT, MAX_WORKSPACE_SLUG } from './limits.ts';
import { hasInvisibleCharacters } from './names.ts';

/** Conservative on purpose: no characters that mean something in a URL or a header (mailto links). */
const EMAIL = /^[a-z0-9.!$'*+_~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i;
const SLUG = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${MAX_SLUG - 2}}[a-z0-9])?$`);
const KIND = new RegExp(`^[a-z0-9][a-z0-9_.-]{0,${MAX_KIND - 1}}$`);

/** Longest entity id a doc may hold (the server's own are 8 characters: ids.ts). */
export const MAX_ENTITY_ID_LENGTH = 64;

/**
 * Whether `id` can key an entity: 1–64 characters, none of them white space or control characters — ids
 * are written space-separated in member tokens and audit keys, so one with a space would read as two.
 */
export function isEntityId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ENTITY_ID_LENGTH && !/[\s\p{Cc}]/u.test(id);
}

/** The stored form of an email: trimmed, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  return email.length <= MAX_EMAIL && EMAIL.test(email);
}

export function checkEmail(email: string): Result<string> {
  const e = normalizeEmail(email);
  return isValidEmail(e)
    ? ok(e)
    : fail('invalid-email', `“${email.slice(0, 80)}” is not a valid email address`);
}

export function checkSlugFormat(slug: string): Result<string> {
  return SLUG.test(slug)
    ? ok(slug)
    : fail('invalid-slug', `Slugs use lower-case letters, digits and dashes (at most ${MAX_SLUG})`);
}

export function checkKind(kind: string): Result<string> {
  const k = kind.trim().toLowerCase();
  return KIND.test(k)
    ? ok(k)
    : fail(
        'invalid-input',
        'Kind uses lower-case letters, digits, dots, dashes and underscores (e.g. postgres)',
      );
}

/** App and data-source names: trimmed, 1–200 characters, nothing invisible. */
export function checkResourceName(name: string, what: 'App' | 'Data source'): Result<string> {
  const n = name.trim();
  if (n.length === 0) return fail('name-required', `${what} name can’t be empty`);
  if (n.length > MAX_TEXT)
    return fail('name-too-long', `${what} name can have at most ${MAX_TEXT} characters`);
  if (hasInvisibleCharacters(n))
    return fail('name-invalid-characters', `${what} name can’t contain invisible or control characters`);
  return ok(n);
}

/** A user's display name: trimmed, 1–200 characters, nothing invisible. */
export function checkUserName(name: string): Result<string> {
  const n = name.trim();
  if (n.length === 0) return fail('name-required', 'Name can’t be empty');
  if (n.length > MAX_TEXT) return fail('name-too-long', `Name can have at most ${MAX_TEXT} characters`);
  if (hasInvisibleCharacters(n))
    return fail('name-invalid-characters', 'Name can’t contain invisible or control characters');
  return ok(n);
}

/** The workspace's name: trimmed, 1–200 characters, nothing invisible. */
export function checkWorkspaceName(name: string): Result<string> {
  const n = name.trim();
  if (n.length === 0) return fail('name-required', 'Workspace name can’t be empty');
  if (n.length > MAX_TEXT)
    return fail('name-too-long', `Workspace name can have at most ${MAX_TEXT} characters`);
  if (hasInvisibleCharacters(n))
    return fail('name-invalid-characters', 'Workspace name can’t contain invisible or control characters');
  return ok(n);
}

const WORKSPACE_SLUG = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${MAX_WORKSPACE_SLUG - 2}}[a-z0-9])?$`);
/** First path segments the server or the admin app use themselves: never a workspace's slug. */
export const RESERVED_WORKSPACE_SLUGS: ReadonlySet<string> = new Set([
  'api',
  'sync',
  'setup',
  'login',
  'sign-in',
  'logout',
  'invitations',
  'invite',
  'accept-invitation',
  'reset-password',
  'workspaces',
  'demo-apps',
  'assets',
  'healthz',
  'my-access',
  'settings',
  'static',
]);

/** A workspace's slug as typed: trimmed, lower-cased, up to 40 letters, digits and dashes, not reserved. */
export function checkWorkspaceSlug(slug: string): Result<string> {
  const s = slug.trim().toLowerCase();
  return WORKSPACE_SLUG.test(s) && !RESERVED_WORKSPACE_SLUGS.has(s)
    ? ok(s)
    : fail('invalid-slug', 'Use 2–40 lower-case letters, digits and dashes (e.g. nexus)');
}
