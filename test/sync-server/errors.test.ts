/**
 * The one error table (core/errors.ts ERRORS + sync-server/errors.ts SERVER_ERRORS): every code has one
 * HTTP status and, where it can end a sync socket, one close code. Completeness is checked by the type
 * system; these rows pin the answers clients rely on.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE, ERRORS } from '../../core/index.ts';
import { closeCodeFor, errorRow, SERVER_ERRORS, type SocketErrorCode } from '../../sync-server/errors.ts';
import { ApiError } from '../../sync-server/http/respond.ts';
import { api, setup, startServer } from './helpers.ts';

describe('the error table', () => {
  it('no code has two rows', () => {
    const core = Object.keys(ERRORS);
    expect(Object.keys(SERVER_ERRORS).filter((c) => core.includes(c))).toEqual([]);
  });

  it.each<[SocketErrorCode, number]>([
    ['unauthorized', CLOSE.unauthorized],
    ['bad-origin', CLOSE.unauthorized],
    ['forbidden', CLOSE.forbidden],
    ['malformed-message', CLOSE.malformed],
    ['invalid-update', CLOSE.rejected],
    ['name-taken', CLOSE.rejected],
    ['doc-too-large', CLOSE.docTooLarge],
    ['too-many-messages', CLOSE.tooManyMessages],
    ['storage-failed', CLOSE.tryAgainLater],
    ['shutting-down', CLOSE.goingAway],
  ])('%s closes a socket with %i', (code, close) => {
    expect(closeCodeFor(code)).toBe(close);
  });

  it('ApiError takes its status from the table', () => {
    expect(new ApiError('invalid-input', 'x').status).toBe(400);
    expect(new ApiError('name-taken', 'x').status).toBe(409);
    expect(new ApiError('payload-too-large', 'x').status).toBe(413);
    expect(errorRow('role-change-needs-confirmation').status).toBe(409);
  });

  it('invalid-input is 400 from the router’s body check and from a command', async () => {
    const t = await startServer();
    try {
      const admin = await setup(t);
      const W = '/api/workspaces/acme';
      const body = await api(t.url, 'POST', `${W}/groups`, { token: admin, body: { name: 42 } });
      expect([body.status, body.body.error.code]).toEqual([400, 'invalid-input']);
      // Core refuses the kind (its invalid-input, 422 before the table).
      const kind = { name: 'X', kind: 'Post Gres!' };
      const command = await api(t.url, 'POST', `${W}/data-sources`, { token: admin, body: kind });
      expect([command.status, command.body.error.code]).toEqual([400, 'invalid-input']);
    } finally {
      await t.close();
    }
  });
});
