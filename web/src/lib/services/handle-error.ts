/**
 * The one place where error codes become user text (STYLE.md "Errors"). Core errors already carry a
 * message (ToolJet's wording where it has one); codes listed here get app-specific text.
 */
import { toasts } from '../state/toasts.svelte.ts';

export interface AnyError {
  readonly code: string;
  readonly message?: string;
}

const TEXT: Readonly<Record<string, string>> = {
  network: 'The server cannot be reached. Check your connection and try again.',
  'http-401': 'Your session has expired. Please sign in again.',
  unauthorized: 'Your session has expired. Please sign in again.',
  'invalid-credentials': 'Incorrect email or password',
  'rate-limited': 'Too many attempts. Please wait a minute and try again.',
  'nothing-to-change': 'Nothing to change',
  'reset-not-valid':
    'This reset link is not valid. Check that you opened the whole link, or ask an admin for a new one.',
  'reset-used': 'This reset link has already been used. Ask an admin for a new one.',
  'reset-expired': 'This reset link has expired. Ask an admin for a new one.',
  'password-too-short': 'Choose a password of at least 8 characters.',
  'user-not-active': 'Only a user who has joined can have their password reset.',
  'user-not-joined':
    'This user has not accepted their invitation yet: send them the invitation link instead.',
};

export function errorText(error: AnyError): string {
  return TEXT[error.code] ?? error.message ?? 'Something went wrong';
}

/** Shows the error as a toast and returns its text (for inline display as well). */
export function handleError(error: AnyError): string {
  const text = errorText(error);
  toasts.error(text);
  return text;
}
