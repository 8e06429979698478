/**
 * Ids for stored rows (accounts, workspaces, tokens, connections, invitations): UUIDv7, whose text sorts
 * in creation order — lists read "oldest first" (`ORDER BY created_at, id`) keep that order when two rows
 * share a millisecond. Sessions and secrets never use these: their ids are not meant to be guessable.
 */
import { v7 } from 'uuid';

export const newRowId = (): string => v7();
