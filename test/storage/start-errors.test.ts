/**
 * `npm start` with DATABASE_URL: a start that cannot work is one clear line on stderr and exit code 1
 * (bad URL, unreachable server, missing database, schema newer than this Gatehouse); a good URL starts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../sync-server/storage/postgres/migrations.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server.stop());

function main(databaseUrl: string): ChildProcess & { out: string; err: string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { out: string; err: string };
  child.out = '';
  child.err = '';
  child.stdout!.on('data', (d) => (child.out += d));
  child.stderr!.on('data', (d) => (child.err += d));
  return child;
}
const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', (code) => r(code)));

async function refusal(databaseUrl: string): Promise<string> {
  const child = main(databaseUrl);
  expect(await exitOf(child)).toBe(1);
  const lines = child.err.trim().split('\n');
  expect(lines, child.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^Gatehouse cannot start: /);
  return lines[0]!;
}

describe('starting on PostgreSQL', () => {
  it('refuses a bad URL, an unreachable server, a missing database and a newer schema in one line', async () => {
    const url = await server.createDatabase();
    const port = new URL(url).port;
    const missing = url.replace(/\/[^/]+$/, '/no_such_database');
    const [scheme, unreachable, noDb] = await Promise.all([
      refusal('mysql://root@127.0.0.1/x'),
      refusal(url.replace(`:${port}/`, ':1/')),
      refusal(missing),
    ]);
    expect(scheme).toMatch(/postgres:\/\//);
    expect(unreachable).toMatch(/cannot reach PostgreSQL at .*ECONNREFUSED/);
    expect(noDb).toMatch(/no_such_database/);

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(
      'CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    await c.query("INSERT INTO schema_version VALUES ($1, 'future', 0)", [SCHEMA_VERSION + 1]);
    await c.end();
    expect(await refusal(url)).toMatch(/newer than this Gatehouse knows/);
  });

  it('starts on a good URL (migrating an empty database) and says where its data is', async () => {
    const url = await server.createDatabase();
    const child = main(url);
    const started = Date.now();
    while (!child.out.includes('Gatehouse is listening') && Date.now() - started < 20_000) {
      if (child.exitCode !== null) throw new Error(child.err);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(child.out).toMatch(/"database":"postgres:\/\//);
    expect(child.out).toMatch(/First run: open/);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  });
});
