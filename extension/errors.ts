/**
 * The extension's one error model (STYLE.md "Errors"): handlers return `{ ok: false, error }` with a
 * kebab-case code; the text a person reads comes from `ERROR_TEXT`, in this one place.
 */

export type ExtErrorCode =
  | 'invalid-server-url'
  | 'permission-denied'
  | 'unreachable'
  | 'wrong-password'
  | 'invalid-token'
  | 'rate-limited'
  | 'no-workspace'
  | 'signed-out'
  | 'no-access'
  | 'server-error'
  | 'bad-response'
  | 'bad-request'
  | 'sso-unavailable'
  | 'sso-cancelled'
  | 'request-refused';

export interface ExtError {
  readonly code: ExtErrorCode;
  readonly message: string;
}

export type ExtResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ExtError };

export const ERROR_TEXT: Readonly<Record<ExtErrorCode, string>> = {
  'invalid-server-url': 'Enter the Gatehouse server address, e.g. https://gatehouse.example.com',
  'permission-denied': 'The extension needs permission to reach that server. Sign in again and choose Allow.',
  unreachable: 'Cannot reach the Gatehouse server. Check the address and your connection.',
  'wrong-password': 'Wrong email or password.',
  'invalid-token': 'That API token is not valid (or has expired).',
  'rate-limited': 'Too many sign-in attempts. Wait a minute and try again.',
  'no-workspace': 'Signed in, but your account belongs to no workspace yet. Ask an admin to invite you.',
  'signed-out': 'Your session has ended. Sign in again from the Gatehouse extension.',
  'no-access': 'You are no longer a member of this workspace.',
  'server-error': 'The Gatehouse server had a problem. Try again in a moment.',
  'bad-response': 'The server answered with something that is not a Gatehouse response. Check the address.',
  'bad-request': 'The extension sent a request it should not have. Reload the extension.',
  'sso-unavailable':
    'This workspace offers no single sign-on here. Check its name, or sign in with a password.',
  'sso-cancelled': 'The single sign-on did not complete. Try again.',
  'request-refused': 'The request was not sent.',
};

export function extOk<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function extFail(
  code: ExtErrorCode,
  message: string = ERROR_TEXT[code],
): { ok: false; error: ExtError } {
  return { ok: false, error: { code, message } };
}
