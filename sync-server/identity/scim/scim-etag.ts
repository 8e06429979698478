/** Weak ETags (RFC 7644 §3.14): a hash of the resource as answered, without its `meta`. */
import { createHash } from 'node:crypto';
import { ScimError } from './scim-error.ts';

export function etagOf(resource: Readonly<Record<string, unknown>>): string {
  const { meta: _meta, ...rest } = resource;
  return `W/"${createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 22)}"`;
}

/** Refuses a write whose If-Match names another version (412); neither Entra nor Okta sends one. */
export function checkIfMatch(header: string | undefined, current: string): void {
  if (!header || header.trim() === '*') return;
  const tags = header.split(',').map((t) => t.trim());
  if (!tags.includes(current))
    throw new ScimError(412, 'The resource changed since it was read (If-Match does not match its ETag)');
}

/** True when If-None-Match names the current version (the read answers 304). */
export function notModified(header: string | undefined, current: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => t.trim() === current || t.trim() === '*');
}
