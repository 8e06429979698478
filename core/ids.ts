/**
 * Fresh random ids: nested Y.Maps are only ever created under keys no other replica can pick.
 * 12 base64url characters carry 72 random bits — collisions are negligible within a workspace — and keep
 * the doc small: every member and grant resource is keyed by an id (UUIDs made a 10k-user doc 9 MB).
 */
import { getRandomValues } from 'lib0/webcrypto';

export const ID_LENGTH = 12;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function newId(): string {
  const bytes = getRandomValues(new Uint8Array(ID_LENGTH));
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 63];
  return id;
}
