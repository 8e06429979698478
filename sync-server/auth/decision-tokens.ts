/**
 * Decision tokens (issue 14): the secret an app or a reverse proxy presents to ask the decision point of
 * one workspace (AuthZEN, forward auth) and nothing else. It belongs to no account and has no rights of
 * its own: the decisions it asks are about the subject of the request.
 *
 * `verify` is the one check, for the REST router and forward auth alike, in this order: the per-token rate
 * limit (keyed by the secret's SHA-256, taken before the lookup and any decision work, so a flood of one
 * token costs no database query), the secret (its SHA-256 looked up: no secret is kept or compared in
 * clear; an unknown one gives its slot back, so forged secrets never fill the limiter), the workspace
 * (a wrong one is not counted), then the use is counted. Counts stay in memory and are written in one
 * batch every FLUSH_INTERVAL_MS (and at shutdown): a request costs no write. In cluster mode each
 * instance limits on its own (N instances allow N × the limit) and adds its own counts.
 */
import type { Logger } from '../log.ts';
import type { DecisionToken, DecisionTokenStore, DecisionTokenUse } from '../storage/decision-token-store.ts';
import { createRateLimiter } from './rate-limit.ts';
import { DECISION_TOKEN_PREFIX, hashToken } from './tokens.ts';

const FLUSH_INTERVAL_MS = 5_000; // counts reach storage within 5 s
const RATE_WINDOW_MS = 60_000; // per minute

export type DecisionTokenCheck =
  | { readonly ok: true; readonly token: DecisionToken }
  | {
      readonly ok: false;
      /** `unauthorized` (401): no such token; `wrong-workspace` (answer 404 as for an unknown workspace); `rate-limited` (429). */
      readonly code: 'unauthorized' | 'wrong-workspace' | 'rate-limited';
      readonly message: string;
      /** With `rate-limited`: the seconds until the token may ask again. */
      readonly retryAfterSeconds?: number;
    };

export interface DecisionTokens {
  /**
   * Checks a presented secret for a request to `workspaceId` (null: any workspace, the caller checks the
   * token's own): valid, of that workspace, within its rate limit. A passing check is counted as a use.
   */
  verify(secret: string, workspaceId: string | null, now?: number): Promise<DecisionTokenCheck>;
  /** The uses counted here and not written yet (added to what the store says when listing). */
  pending(id: string): { readonly requests: number; readonly lastUsedAt: number } | undefined;
  /** Writes the counted uses now (one batch). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left (server shutdown, before storage closes). */
  close(): Promise<void>;
}

/** True for a secret of the decision-token kind (by its prefix; says nothing about its validity). */
export function isDecisionTokenSecret(secret: string): boolean {
  return secret.startsWith(DECISION_TOKEN_PREFIX);
}

export function createDecisionTokens(
  storage: Pick<DecisionTokenStore, 'decisionTokenByHash' | 'addDecisionTokenUses'>,
  requestsPerMinute: number,
  log: Logger,
): DecisionTokens {
  const limiter = createRateLimiter(requestsPerMinute, RATE_WINDOW_MS);
  let counted = new Map<string, { requests: number; lastUsedAt: number }>();
  /** The batch being written: still pending for `pending` until the write is done. */
  let writing = new Map<string, { requests: number; lastUsedAt: number }>();
  let flushing: Promise<void> = Promise.resolve();

  const flush = () => {
    if (counted.size === 0) return flushing;
    const batch = counted;
    counted = new Map();
    const uses: DecisionTokenUse[] = [...batch].map(([id, u]) => ({ id, ...u }));
    flushing = flushing
      .then(() => {
        writing = batch;
        return storage.addDecisionTokenUses(uses);
      })
      .catch((err: unknown) => {
        // Not lost: added back, written with the next batch.
        for (const u of uses) count(u.id, u.lastUsedAt, u.requests);
        log.warn({ err }, 'decision token uses not written; retrying with the next batch');
      })
      .finally(() => {
        if (writing === batch) writing = new Map();
      });
    return flushing;
  };
  const timer = setInterval(() => void flush(), FLUSH_INTERVAL_MS);
  timer.unref();

  function count(id: string, at: number, requests = 1): void {
    const c = counted.get(id);
    if (c) {
      c.requests += requests;
      if (at > c.lastUsedAt) c.lastUsedAt = at;
    } else counted.set(id, { requests, lastUsedAt: at });
  }

  return {
    async verify(secret, workspaceId, now = Date.now()) {
      if (!isDecisionTokenSecret(secret))
        return { ok: false, code: 'unauthorized', message: 'This is not a decision token' };
      const hash = hashToken(secret);
      const wait = limiter.take(hash, now);
      if (wait > 0)
        return {
          ok: false,
          code: 'rate-limited',
          message: `This decision token made more than ${requestsPerMinute} requests this minute; retry in ${wait} s`,
          retryAfterSeconds: wait,
        };
      const token = await storage.decisionTokenByHash(hash).catch((err: unknown) => {
        limiter.refund(hash, now);
        throw err;
      });
      if (!token) {
        limiter.reset(hash);
        return {
          ok: false,
          code: 'unauthorized',
          message: 'The decision token is not valid: it was revoked or mistyped',
        };
      }
      if (workspaceId !== null && token.workspaceId !== workspaceId) {
        limiter.refund(hash, now);
        return { ok: false, code: 'wrong-workspace', message: 'Workspace not found' };
      }
      count(token.id, now);
      return { ok: true, token };
    },
    pending(id) {
      const a = counted.get(id);
      const b = writing.get(id);
      if (!a || !b) return a ?? b;
      return { requests: a.requests + b.requests, lastUsedAt: Math.max(a.lastUsedAt, b.lastUsedAt) };
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
