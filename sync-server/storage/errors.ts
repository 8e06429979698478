/**
 * Storage's own errors, the same for every backend, so that callers can tell "the database is not there
 * right now" (retry later: 1013 / 503 Retry-After) and "someone else committed first" (a fenced append)
 * from bugs. Anything else a store throws is a programmer error or a constraint the caller broke.
 */

/** The database cannot be reached or is shutting down; the same call may work later. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An append fenced by `expectedHeadSeq` found another head: someone else committed meanwhile. */
export class HeadMovedError extends Error {
  override readonly name = 'HeadMovedError';
  constructor(
    readonly workspaceId: string,
    readonly expectedHeadSeq: number,
    readonly headSeq: number,
  ) {
    super(`workspace ${workspaceId}: head is ${headSeq}, not the expected ${expectedHeadSeq}`);
  }
}

/** A unique key is taken (an email, a slug, a token hash): the write did nothing. */
export class StorageConflictError extends Error {
  override readonly name = 'StorageConflictError';
  constructor(
    readonly constraint: string,
    options?: { cause?: unknown },
  ) {
    super(`unique constraint ${constraint} refused the write`, options);
  }
}

/** The database is set up for a newer Gatehouse (or is not a Gatehouse database); nothing was changed. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the database schema is version ${found}, newer than this Gatehouse knows (${known}): ` +
        'run a Gatehouse at least as new as the one that migrated it',
    );
  }
}

export function isStorageUnavailable(err: unknown): err is StorageUnavailableError {
  return err instanceof StorageUnavailableError;
}
