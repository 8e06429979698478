/**
 * Throwaway PostgreSQL for tests: a real `postgres` in the foreground on a free loopback port, owned by
 * the test process (it reaps the pid; kill/restart for outage tests), with a fresh database per test.
 * `initdb` runs once per machine into a template data dir that each server copies (~0.1 s instead of
 * ~1.1 s). `createDatabase({ migrated: true })` copies a database migrated once per server (CREATE DATABASE
 * … TEMPLATE: ~0.05 s instead of running every migration again), for tests that do not test migrating.
 * initdb and postgres refuse root: as root they run as the `postgres` user (setpriv).
 * When `DATABASE_URL` is set, that server is used instead (fresh databases created in it; no kills).
 * fsync=off is safe for process kills (the page cache survives them); synchronous_commit stays on.
 * Data dirs live in memory (/dev/shm) where there is one: on this VM's disk a CREATE DATABASE takes
 * ~0.85 s, on tmpfs ~0.05 s (a process kill keeps tmpfs pages as it keeps the page cache).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../sync-server/storage/postgres/migrations.ts';
import { createDb } from '../../sync-server/storage/postgres/pool.ts';

/** Debian's layout (`/usr/lib/postgresql/<major>/bin`), newest major first; else PATH. */
const BIN_DIRS = (() => {
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
})();
const START_TIMEOUT_MS = 15_000;

export interface TestPostgres {
  /** `postgres://…/postgres` of the server (the maintenance database). */
  readonly adminUrl: string;
  /** False for a server named by DATABASE_URL: kill/restart are refused. */
  readonly owned: boolean;
  /**
   * A new database, empty (a test of migrating sees an empty one) or `migrated` to the current schema
   * (a copy of a template migrated once per server); returns its URL.
   */
  createDatabase(options?: { migrated?: boolean }): Promise<string>;
  /** SIGKILLs the postmaster (an outage); `restart` brings it back on the same port and data. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Where data dirs go: /dev/shm when it is a writable directory, else the temp dir. */
function dataRoot(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    if (fs.statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {}
  return os.tmpdir();
}

function bin(name: string): string {
  for (const dir of BIN_DIRS) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return name;
}

const isRoot = () => process.getuid?.() === 0;

/** argv of `cmd` run as the postgres user when we are root. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  if (!isRoot()) return [cmd, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args]];
}

function chownToPostgres(dir: string): void {
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
}

/** The initdb'd template dir, made once (parallel workers wait for the first one's rename). */
function templateDir(): string {
  // One per PostgreSQL major (a data dir only runs on the major that made it) and user.
  const major = path.basename(path.dirname(path.dirname(bin('initdb')))).replace(/\W/g, '') || 'path';
  const dir = path.join(dataRoot(), `gatehouse-pg-template-${major}-${process.getuid?.() ?? 'u'}`);
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const partial = fs.mkdtempSync(path.join(dataRoot(), 'gatehouse-pg-init-'));
  fs.chmodSync(partial, 0o700);
  chownToPostgres(partial);
  const [cmd, args] = asPostgres(bin('initdb'), [
    '--no-sync',
    '--auth=trust',
    '--username=postgres',
    '--encoding=UTF8',
    '--locale=C',
    '-D',
    partial,
  ]);
  execFileSync(cmd, args, { stdio: 'pipe' });
  try {
    fs.renameSync(partial, dir);
  } catch {
    fs.rmSync(partial, { recursive: true, force: true }); // another worker made it first
  }
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess | null, log: () => string): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`postgres exited at start:\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() - started > START_TIMEOUT_MS) throw new Error(`postgres did not start:\n${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function createDatabaseFrom(adminUrl: string, template: string): Promise<string> {
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** createDatabase of one server: empty ones from template0, migrated ones from a template made once. */
function databaseMaker(adminUrl: string): TestPostgres['createDatabase'] {
  let migratedTemplate: Promise<string> | null = null;
  const makeTemplate = async () => {
    const url = new URL(await createDatabaseFrom(adminUrl, 'template0'));
    const db = createDb(url.toString(), { poolSize: 1 });
    try {
      await migrate(db);
    } finally {
      await db.close(); // a template with a connection open cannot be copied
    }
    return url.pathname.slice(1);
  };
  return async (options = {}) => {
    if (!options.migrated) return createDatabaseFrom(adminUrl, 'template0');
    migratedTemplate ??= makeTemplate();
    // A failed template is made again by the next caller, not cached as a failure.
    return createDatabaseFrom(
      adminUrl,
      await migratedTemplate.catch((err) => {
        migratedTemplate = null;
        throw err;
      }),
    );
  };
}

/** Starts a throwaway server (or wraps DATABASE_URL's). Stop it in `afterAll`. */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return {
      adminUrl: external,
      owned: false,
      createDatabase: databaseMaker(external),
      kill: () => Promise.reject(new Error('DATABASE_URL is set: the test does not own that server')),
      restart: () => Promise.reject(new Error('DATABASE_URL is set: the test does not own that server')),
      stop: async () => {},
    };
  }
  const dataDir = fs.mkdtempSync(path.join(dataRoot(), 'gatehouse-pg-'));
  fs.cpSync(templateDir(), dataDir, { recursive: true });
  fs.chmodSync(dataDir, 0o700);
  chownToPostgres(dataDir);
  const port = await freePort();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;
  let output = '';
  const stopOnExit = () => child?.kill('SIGQUIT');

  const launch = async () => {
    output = '';
    const [cmd, args] = asPostgres(bin('postgres'), [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dataDir,
      '-h',
      '127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ]);
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d) => (output += d));
    proc.stderr?.on('data', (d) => (output += d));
    child = proc;
    await waitReady(adminUrl, proc, () => output);
  };
  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => proc.once('exit', () => r()));

  process.once('exit', stopOnExit);
  await launch();
  return {
    adminUrl,
    owned: true,
    createDatabase: databaseMaker(adminUrl),
    async kill() {
      const proc = child!;
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async restart() {
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited(proc);
      }
      // The killed postmaster's backends notice and exit; a new one refuses to start until they have.
      const started = Date.now();
      for (;;) {
        try {
          await launch();
          return;
        } catch (err) {
          if (Date.now() - started > START_TIMEOUT_MS) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      process.removeListener('exit', stopOnExit);
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGQUIT'); // immediate shutdown: nothing here needs to outlive the test
        await exited(proc);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
