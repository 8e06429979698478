/**
 * The embedded storage: one SQLite file (better-sqlite3, WAL), one store per aggregate (sqlite/*.ts).
 * Every write is a single transaction, so a crash leaves either the whole write or none of it.
 */
import { StorageConflictError } from './errors.ts';
import { DEFAULT_HISTORY, type HistoryOptions } from './history-store.ts';
import { createSecretBox, secretKeyFor } from './secret-box.ts';
import { sqliteAccountStore } from './sqlite/account-store.ts';
import { sqliteAuditStore } from './sqlite/audit-store.ts';
import { sqliteDecisionTokenStore } from './sqlite/decision-token-store.ts';
import { sqliteDocumentStore } from './sqlite/document-store.ts';
import { ensureSqliteHistory, sqliteHistory } from './sqlite/history-store.ts';
import { sqliteInvitationStore } from './sqlite/invitation-store.ts';
import { openDatabase, type SqliteOptions } from './sqlite/open-database.ts';
import { sqliteScimStore } from './sqlite/scim-store.ts';
import { sqliteSsoStore } from './sqlite/sso-store.ts';
import { sqliteWebhookStore } from './sqlite/webhook-store.ts';
import { sqliteWorkspaceStore } from './sqlite/workspace-store.ts';
import type { Storage } from './storage.ts';

export type { SqliteOptions };

export function openSqliteStorage(
  dataDir: string,
  options: SqliteOptions & { readonly history?: HistoryOptions; readonly secretKey?: Buffer } = {},
): Storage {
  const db = openDatabase(dataDir, options);
  ensureSqliteHistory(db);
  const history = sqliteHistory(db, options.history ?? DEFAULT_HISTORY);
  const secrets = createSecretBox(options.secretKey ?? secretKeyFor(dataDir));
  return mapUniqueViolations({
    ...sqliteDocumentStore(db, history),
    ...history.store,
    ...history.index.store,
    ...sqliteAuditStore(db),
    ...sqliteAccountStore(db),
    ...sqliteDecisionTokenStore(db),
    ...sqliteInvitationStore(db),
    ...sqliteWorkspaceStore(db),
    ...sqliteScimStore(db),
    ...sqliteSsoStore(db, secrets),
    ...sqliteWebhookStore(db, secrets),
    async close() {
      if (db.open) db.close();
    },
  });
}

const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** A taken unique key rejects with StorageConflictError, as on PostgreSQL (storage/errors.ts). */
function mapUniqueViolations(storage: Storage): Storage {
  const mapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(storage) as [string, (...args: unknown[]) => Promise<unknown>][])
    mapped[name] = (...args: unknown[]) =>
      fn(...args).catch((err: unknown) => {
        const code = (err as { code?: unknown } | null)?.code;
        if (typeof code !== 'string' || !UNIQUE_CODES.has(code)) throw err;
        const column = /constraint failed: (.*)$/.exec((err as Error).message)?.[1] ?? 'unique';
        throw new StorageConflictError(column, { cause: err });
      });
  return mapped as unknown as Storage;
}
