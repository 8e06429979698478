/**
 * The embedded storage: one SQLite file (better-sqlite3, WAL), one store per aggregate (sqlite/*.ts).
 * Every write is a single transaction, so a crash leaves either the whole write or none of it.
 */
import { sqliteAccountStore } from './sqlite/account-store.ts';
import { sqliteAuditStore } from './sqlite/audit-store.ts';
import { sqliteDocumentStore } from './sqlite/document-store.ts';
import { sqliteInvitationStore } from './sqlite/invitation-store.ts';
import { openDatabase, type SqliteOptions } from './sqlite/open-database.ts';
import { sqliteWorkspaceStore } from './sqlite/workspace-store.ts';
import type { Storage } from './storage.ts';

export type { SqliteOptions };

export function openSqliteStorage(dataDir: string, options: SqliteOptions = {}): Storage {
  const db = openDatabase(dataDir, options);
  return {
    ...sqliteDocumentStore(db),
    ...sqliteAuditStore(db),
    ...sqliteAccountStore(db),
    ...sqliteInvitationStore(db),
    ...sqliteWorkspaceStore(db),
    async close() {
      if (db.open) db.close();
    },
  };
}
