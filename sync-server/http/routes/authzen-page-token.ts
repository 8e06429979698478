/**
 * AuthZEN search page tokens: opaque to clients, tamper-evident. A token holds the last key of the page
 * and a digest of the query it belongs to, signed with HMAC-SHA256 under a key made per server (so a
 * token is valid on the server that issued it, until it restarts). A changed, foreign or stale token is
 * refused with 400, never followed.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../respond.ts';

export interface PageTokens {
  /** A token to continue `query` after `after`. */
  issue(query: unknown, after: string): string;
  /** The key after which to continue `query`; undefined without a token. Throws 400 on a bad token. */
  read(query: unknown, token: string | undefined): string | undefined;
}

function digest(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 22);
}

export function pageTokens(key: Buffer = randomBytes(32)): PageTokens {
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();
  return {
    issue(query, after) {
      const payload = Buffer.from(JSON.stringify({ q: digest(query), a: after })).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    read(query, token) {
      if (token === undefined || token === '') return undefined;
      const bad = () =>
        new ApiError('invalid-input', 'page.token is not valid: start the search again without it');
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined) throw bad();
      const given = Buffer.from(signature, 'base64url');
      const want = mac(payload);
      if (given.length !== want.length || !timingSafeEqual(given, want)) throw bad();
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        q?: unknown;
        a?: unknown;
      };
      if (parsed.q !== digest(query) || typeof parsed.a !== 'string') throw bad();
      return parsed.a;
    },
  };
}
