/**
 * Which storage a server runs on: PostgreSQL when a database URL is configured (cluster mode, issue 12),
 * else the embedded SQLite file in the data dir, as before. Start errors say in one line what is wrong.
 */
import { SchemaTooNewError, StorageUnavailableError } from './errors.ts';
import { type HistoryOptions, historyOptionsFromEnv } from './history-store.ts';
import { openPostgresStorage, type PostgresOptions } from './postgres-storage.ts';
import { SecretKeyError } from './secret-box.ts';
import { openSqliteStorage } from './sqlite-storage.ts';
import type { Storage } from './storage.ts';

export interface StorageConfig {
  readonly dataDir: string;
  readonly sqliteSynchronous: 'full' | 'normal';
  /** `postgres://…`; null for SQLite. */
  readonly databaseUrl: string | null;
  readonly postgres?: PostgresOptions;
  /** What compaction keeps for history (issue 15); default: from HISTORY_RETENTION_DAYS (forever when unset). */
  readonly history?: HistoryOptions;
}

/** A configuration or database problem found at start: `message` is the one line to print. */
export class StorageStartError extends Error {
  override readonly name = 'StorageStartError';
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // node-postgres also reads any query parameter as a setting: `?password=`, `?sslpassword=`.
    for (const key of [...u.searchParams.keys()]) if (/password/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** Checks a DATABASE_URL's shape; returns the error line, or null when it is usable. */
export function databaseUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'DATABASE_URL is not a URL (expected postgres://user:password@host:5432/database)';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    return `DATABASE_URL must start with postgres:// or postgresql:// (got ${u.protocol}//)`;
  if (!u.hostname && !u.searchParams.get('host')) return 'DATABASE_URL names no host';
  return null;
}

/** The history options: the configured ones, else HISTORY_RETENTION_DAYS's. */
function historyOf(config: StorageConfig): HistoryOptions {
  if (config.history) return config.history;
  try {
    return historyOptionsFromEnv(process.env);
  } catch (err) {
    throw new StorageStartError((err as Error).message);
  }
}

export async function openStorage(config: StorageConfig): Promise<Storage> {
  const history = historyOf(config);
  if (!config.databaseUrl)
    try {
      return openSqliteStorage(config.dataDir, { synchronous: config.sqliteSynchronous, history });
    } catch (err) {
      if (err instanceof SecretKeyError) throw new StorageStartError(err.message);
      throw err;
    }
  const problem = databaseUrlProblem(config.databaseUrl);
  if (problem) throw new StorageStartError(problem);
  const where = redactUrl(config.databaseUrl);
  try {
    return await openPostgresStorage(config.databaseUrl, { ...config.postgres, history });
  } catch (err) {
    if (err instanceof SecretKeyError) throw new StorageStartError(err.message);
    if (err instanceof SchemaTooNewError) throw new StorageStartError(`${where}: ${err.message}`);
    if (err instanceof StorageUnavailableError)
      throw new StorageStartError(`cannot reach PostgreSQL at ${where} (${causeOf(err)})`);
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^(28|3D|42501)/.test(code))
      throw new StorageStartError(`PostgreSQL at ${where} refused Gatehouse: ${(err as Error).message}`);
    throw new StorageStartError(`PostgreSQL at ${where} could not be prepared: ${(err as Error).message}`);
  }
}

function causeOf(err: StorageUnavailableError): string {
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? err.message;
}
