/**
 * The server's part of the one error table: codes only the server speaks (the HTTP edge, sign-in, the
 * sync socket, storage), each once with its HTTP status and, where it can end a socket, its close code.
 * Core's codes live in `core/errors.ts` (`ERRORS`); `errorRow` is the one lookup over both, and a code
 * without a row does not compile (`ApiError` and the socket's `close` take `ApiErrorCode`).
 */
import { CLOSE, ERRORS, type ErrorCode, type ErrorRow } from '../core/index.ts';

export const SERVER_ERRORS = {
  // The HTTP edge: the request itself is not usable.
  'bad-request': { status: 400 },
  'bad-path': { status: 400 },
  'invalid-json': { status: 400 },
  'method-not-allowed': { status: 405 },
  'payload-too-large': { status: 413 },
  'unsupported-media-type': { status: 415 },

  // Who may: credentials, origin, role. A foreign Origin on a cookie-authenticated socket counts as
  // no credentials (sign in again), hence 4401 and not 4403.
  unauthorized: { status: 401, close: CLOSE.unauthorized },
  'sign-in-required': { status: 401, close: CLOSE.unauthorized },
  'invalid-credentials': { status: 401 },
  'bad-origin': { status: 403, close: CLOSE.unauthorized },
  forbidden: { status: 403, close: CLOSE.forbidden },
  'decision-token-not-allowed': { status: 403 }, // a decision token anywhere but the decision endpoints
  'user-not-active': { status: 403, close: CLOSE.forbidden },
  'bad-setup-token': { status: 403 },
  'workspace-creation-disabled': { status: 403 },
  // Forward auth: X-Forwarded-* from a sender that is no trusted proxy; the person may not open the app.
  'untrusted-proxy': { status: 403 },
  'no-access': { status: 403 },
  'sso-required': { status: 403 }, // a password session in a workspace whose password sign-in is off
  'unsafe-return-url': { status: 400 },

  // Accounts, invitations, password resets, first-run setup.
  'account-exists': { status: 409 },
  'user-not-joined': { status: 409 },
  'setup-done': { status: 410 },
  'invitation-used': { status: 410 },
  'reset-not-valid': { status: 404 },
  'reset-used': { status: 410 },
  'reset-expired': { status: 410 },
  'password-too-short': { status: 422 },

  // Webhooks: a URL that may not be one (SSRF: private addresses), a test sent while turned off.
  'webhook-url-refused': { status: 422 },
  'webhook-disabled': { status: 409 },

  // Limits.
  'rate-limited': { status: 429, close: CLOSE.tooManyMessages },
  'too-many-streams': { status: 429 },
  'too-many-decision-tokens': { status: 409 },
  'too-many-messages': { status: 429, close: CLOSE.tooManyMessages },
  /** A history report would replay more updates than one report may: narrow its window. */
  'window-too-large': { status: 422 },

  // The sync socket and the update pipeline (REST commands go through the same pipeline).
  'malformed-message': { status: 400, close: CLOSE.malformed },
  'malformed-update': { status: 422, close: CLOSE.rejected },
  'invalid-update': { status: 422, close: CLOSE.rejected },
  'incomplete-update': { status: 422, close: CLOSE.rejected },
  'doc-too-large': { status: 413, close: CLOSE.docTooLarge },

  // The server cannot right now: transient, the client retries or reconnects.
  internal: { status: 500, close: CLOSE.internal },
  /** SECRET_KEY is missing (cluster mode) or is not the key a saved secret was sealed with. */
  'secret-key-unusable': { status: 500 },
  'storage-failed': { status: 503, close: CLOSE.tryAgainLater },
  unavailable: { status: 503, close: CLOSE.goingAway },
  'shutting-down': { status: 503, close: CLOSE.goingAway },
  'too-slow': { status: 503, close: CLOSE.goingAway },
} as const satisfies Record<string, ErrorRow> & { readonly [K in ErrorCode]?: never };

/** Every code the server may answer or close with: core's and its own. */
export type ApiErrorCode = ErrorCode | keyof typeof SERVER_ERRORS;

type Rows = typeof ERRORS & typeof SERVER_ERRORS;

/** The codes whose row carries a close code: the only ones a sync socket may be closed with. */
export type SocketErrorCode = {
  [K in ApiErrorCode]: Rows[K] extends { close: number } ? K : never;
}[ApiErrorCode];

const ROWS: Readonly<Record<ApiErrorCode, ErrorRow>> = { ...ERRORS, ...SERVER_ERRORS };

/** The one lookup: the HTTP status and close code of any code. */
export function errorRow(code: ApiErrorCode): ErrorRow {
  return ROWS[code];
}

/** The close code of a code that may end a socket. */
export function closeCodeFor(code: SocketErrorCode): number {
  return (ROWS[code] as Required<ErrorRow>).close;
}
