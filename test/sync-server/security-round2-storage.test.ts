/**
 * Security review, round 2 — PostgreSQL storage: what a start error and the start log say of the
 * DATABASE_URL. libpq and node-postgres take a password in the URL's userinfo and also as a query
 * parameter (`?password=…`, `?sslpassword=…`); neither may be printed.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../sync-server/storage/open-storage.ts';

const SECRET = 'hunter2-secret';
const SSL_SECRET = 'also-secret';

function startError(databaseUrl: string): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, err })));
}

describe('DATABASE_URL secrets', () => {
  it('a start that cannot reach PostgreSQL names the server, never a password', async () => {
    const { code, err } = await startError(
      `postgres://gatehouse:${SECRET}@127.0.0.1:1/gh?password=${SECRET}&sslpassword=${SSL_SECRET}`,
    );
    expect(code).toBe(1);
    expect(err).toMatch(/cannot reach PostgreSQL at .*127\.0\.0\.1:1/);
    expect(err).not.toContain(SECRET);
    expect(err).not.toContain(SSL_SECRET);
  });

  it('the redacted form (start log, migrate-data) hides every password, keeps the rest', () => {
    const shown = redactUrl(
      `postgresql://gh:${SECRET}@db:5432/gh?sslmode=require&PassWord=${SECRET}&sslpassword=${SSL_SECRET}`,
    );
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain(SSL_SECRET);
    expect(shown).toContain('db:5432/gh');
    expect(shown).toContain('sslmode=require');
  });
});
