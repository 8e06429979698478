/** Opens (creating if needed) the SQLite file and brings its schema up to date, idempotently. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ADDED_COLUMNS, DATA_MIGRATIONS, SCHEMA_SQL } from '../schema.ts';

export type Db = Database.Database;
/** A row as better-sqlite3 returns it. */
export type Row = Record<string, unknown>;

export interface SqliteOptions {
  /** `full` fsyncs every commit (survives power loss); `normal` survives process crashes. */
  readonly synchronous?: 'full' | 'normal';
}

/** The database file in a data directory. */
export const sqliteFile = (dataDir: string) => path.join(dataDir, 'gatehouse.sqlite');

export function openDatabase(dataDir: string, options: SqliteOptions = {}): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(sqliteFile(dataDir));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA_SQL);
  for (const [table, column, type] of ADDED_COLUMNS) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
  for (const [name, sql] of DATA_MIGRATIONS) {
    if (db.prepare('SELECT 1 FROM migrations WHERE name = ?').get(name)) continue;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO migrations (name, at) VALUES (?, ?)').run(name, Date.now());
    })();
  }
  return db;
}
