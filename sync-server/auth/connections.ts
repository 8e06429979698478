/**
 * Long-lived authenticated connections (sync sockets, `/access/events` streams), so that ending a
 * session or token ends them too: logout and token revocation close by token, revoked sessions of an
 * account close by account (optionally one workspace only). Each connection also rechecks its
 * credentials every `recheckMs` (expiry, revocation by another instance), see `watchCredentials`.
 */
import type { ApiTokenStore, SessionStore } from '../storage/account-store.ts';
import type { Principal } from './authenticate.ts';

/** What a credentials recheck reads. */
type CredentialStores = Pick<SessionStore, 'sessionByTokenHash'> & Pick<ApiTokenStore, 'apiTokenByHash'>;

export interface LiveConnection {
  readonly accountId: string;
  readonly tokenHash: string;
  readonly tokenId: string | null;
  readonly workspaceId: string;
  /** Ends the connection; `reason` is `signed-out` (credentials gone) or `no-access`. */
  close(reason: CloseReason): void;
}

/**
 * Why connections end: `signed-out` (session or token gone), `no-access`, or `demoted` (the account lost
 * its admin role or was archived in that workspace: its sync sockets there close as forbidden; event
 * streams wait for the revocation of the sessions and tokens that follows).
 */
export type CloseReason = 'signed-out' | 'no-access' | 'demoted';

/** The open connections of one server (in its context: servers in one process share none). */
export class ConnectionRegistry {
  private readonly open = new Set<LiveConnection>();

  /** Registers a connection; returns the function that unregisters it (call it on close). */
  register(conn: LiveConnection): () => void {
    this.open.add(conn);
    return () => this.open.delete(conn);
  }

  get size(): number {
    return this.open.size;
  }

  /** Logout, or an API token revoked (by hash). */
  closeOfToken(tokenHash: string): number {
    return this.closeWhere((c) => c.tokenHash === tokenHash, 'signed-out');
  }

  /** An API token revoked by id. */
  closeOfTokenId(tokenId: string): number {
    return this.closeWhere((c) => c.tokenId === tokenId, 'signed-out');
  }

  /** Every connection of an account (its sessions were deleted), or only those in one workspace. */
  closeOfAccount(accountId: string, reason: CloseReason, workspaceId?: string): number {
    return this.closeWhere(
      (c) => c.accountId === accountId && (workspaceId === undefined || c.workspaceId === workspaceId),
      reason,
    );
  }

  private closeWhere(pred: (c: LiveConnection) => boolean, reason: CloseReason): number {
    let n = 0;
    for (const c of [...this.open]) {
      if (!pred(c)) continue;
      this.open.delete(c);
      n++;
      try {
        c.close(reason);
      } catch {
        // already closed
      }
    }
    return n;
  }
}

/** Whether the principal's session or API token is still valid now (a storage error counts as valid). */
export async function credentialsStillValid(
  storage: CredentialStores,
  principal: Principal,
): Promise<boolean> {
  try {
    if (principal.kind === 'api-token') return (await storage.apiTokenByHash(principal.tokenHash)) !== null;
    return (await storage.sessionByTokenHash(principal.tokenHash, Date.now())) !== null;
  } catch {
    return true; // a storage hiccup is not a revocation; the next check decides
  }
}

/**
 * Rechecks the principal's credentials every `everyMs`; calls `onInvalid` once when they are gone
 * (expired, logged out, revoked). Returns the function that stops checking.
 */
export function watchCredentials(
  storage: CredentialStores,
  principal: Principal,
  everyMs: number,
  onInvalid: () => void,
): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    void credentialsStillValid(storage, principal).then((ok) => {
      if (!ok && !stopped) {
        stopped = true;
        clearInterval(timer);
        onInvalid();
      }
    });
  }, everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
