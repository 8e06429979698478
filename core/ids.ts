/**
 * Fresh random ids: nested types are only ever created under keys no other replica can pick.
 * 8 base64url characters from crypto random carry 48 bits: among the ~20,000 ids a large workspace makes,
 * the chance that two collide is about 10⁻⁶ — and a collision needs two replicas to draw the same id for
 * entities created concurrently, since a replica never reuses an id its own doc holds (see `freshId`).
 * Ids are not secrets (every read is behind a session); they are kept short because every member and
 * grant resource is stored by id (12 characters made the 10k-user benchmark doc ~0.5 MB larger).
 */
import { getRandomValues } from 'lib0/webcrypto';

export const ID_LENGTH = 8;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function newId(): string {
  const bytes = getRandomValues(new Uint8Array(ID_LENGTH));
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 63];
  return id;
}

/** A new id that `taken` does not hold (a draw that repeats an id of this doc is drawn again). */
export function freshId(taken: (id: string) => boolean, draw: () => string = newId): string {
  for (let i = 0; i < 8; i++) {
    const id = draw();
    if (!taken(id)) return id;
  }
  return draw();
}
