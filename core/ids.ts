/** Fresh random ids: nested Y.Maps are only ever created under keys no other replica can pick. */
import { uuidv4 } from 'lib0/random';

export function newId(): string {
  return uuidv4();
}
