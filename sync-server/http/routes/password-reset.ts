/** `POST /api/password-reset`: set a new password with an admin-issued one-time link (auth/password-reset.ts). */

import { MIN_PASSWORD_LENGTH } from '../../auth/password.ts';
import { checkPasswordReset, completePasswordReset } from '../../auth/password-reset.ts';
import { ApiError } from '../respond.ts';
import { type Route, route } from '../route.ts';
import { PasswordResetBody } from '../schemas.ts';
import { reservePasswordAttempt } from './sessions.ts';

const ANSWERS = {
  'reset-not-valid': 'This reset link is not valid: ask an admin for a new one',
  'reset-used': 'This reset link has already been used: ask an admin for a new one',
  'reset-expired': 'This reset link has expired: ask an admin for a new one',
} as const;

export const passwordResetRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/api/password-reset',
    summary:
      'Set a new password with a one-time reset link from an admin; ends every session of the account ' +
      '(rate-limited per IP: 429)',
    tag: 'account',
    auth: 'none',
    body: PasswordResetBody,
    reply: { status: 204 },
    handler: async ({ ctx, req, body }) => {
      if (body.password.length < MIN_PASSWORD_LENGTH)
        throw new ApiError('password-too-short', 'Choose a password of at least 8 characters');
      const refund = reservePasswordAttempt(ctx, req, null);
      const check = await checkPasswordReset(ctx.storage, body.token);
      if (!check.ok) {
        throw new ApiError(check.code, ANSWERS[check.code]);
      }
      refund();
      if (!(await completePasswordReset(ctx, check, body.password)))
        throw new ApiError('reset-used', ANSWERS['reset-used']);
      ctx.log.info({ account: check.accountId }, 'password reset');
      return { status: 204 };
    },
  }),
];
