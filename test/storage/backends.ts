/**
 * The backends the storage contract runs against, unchanged: SQLite in a temp dir and PostgreSQL (a
 * throwaway server per test file, test/support/postgres.ts, or DATABASE_URL's), a fresh store per test.
 * `reopen` opens the same data again (durability: a store reopened after close sees what was committed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { openPostgresStorage } from '../../sync-server/storage/postgres-storage.ts';
import { openSqliteStorage } from '../../sync-server/storage/sqlite-storage.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

/** Cluster mode's SECRET_KEY for the PostgreSQL stores (SQLite's is the data dir's key file). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7);

export interface OpenedStore {
  readonly storage: Storage;
  /** Where the data lives: a dir for SQLite, a URL for PostgreSQL. */
  readonly location: string;
  /** Closes nothing: opens another store on the same data (closed after the test). */
  reopen(): Promise<Storage>;
}

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** Seqs are gap-free per workspace even when workspaces interleave (SQLite's are one global rowid). */
  readonly perWorkspaceSeq: boolean;
  open(): Promise<OpenedStore>;
}

/** Call once at the top of a test file; stores opened in a test are closed after it. */
export function storageBackends(): Backend[] {
  let opened: Storage[] = [];
  let dirs: string[] = [];
  let server: Promise<TestPostgres> | null = null;
  afterEach(async () => {
    for (const s of opened) await s.close().catch(() => {});
    opened = [];
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });
  afterAll(async () => {
    if (server) await (await server).stop();
  });
  const track = (s: Storage) => {
    opened.push(s);
    return s;
  };
  const sqlite: Backend = {
    name: 'sqlite',
    perWorkspaceSeq: false,
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-store-'));
      dirs.push(dir);
      return {
        storage: track(openSqliteStorage(dir)),
        location: dir,
        reopen: async () => track(openSqliteStorage(dir)),
      };
    },
  };
  const postgres: Backend = {
    name: 'postgres',
    perWorkspaceSeq: true,
    async open() {
      server ??= startPostgres();
      const url = await (await server).createDatabase({ migrated: true });
      return {
        storage: track(await openPostgresStorage(url, { secretKey: TEST_SECRET_KEY })),
        location: url,
        reopen: async () => track(await openPostgresStorage(url, { secretKey: TEST_SECRET_KEY })),
      };
    },
  };
  return [sqlite, postgres];
}
