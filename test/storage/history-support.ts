/**
 * What the history contracts' tests share: the audit row of an edit, and a second store opened on a
 * backend's data with history options (closed after each test).
 */
import { afterEach } from 'vitest';
import type { AuditEntity, AuditEntryInput } from '../../sync-server/storage/audit-store.ts';
import type { HistoryOptions } from '../../sync-server/storage/history-store.ts';
import { openPostgresStorage } from '../../sync-server/storage/postgres-storage.ts';
import { openSqliteStorage } from '../../sync-server/storage/sqlite-storage.ts';
import type { Storage } from '../../sync-server/storage/storage.ts';
import type { Backend } from './backends.ts';

export const DAY_MS = 86_400_000;

/** The audit row of an edit committed at `at`. */
export const auditAt = (workspaceId: string, at: number, entities: AuditEntity[] = []): AuditEntryInput => ({
  workspaceId,
  at,
  actorId: 'acc-1',
  actorEmail: 'a@x.test',
  actorName: 'A',
  source: 'sync',
  action: 'doc.update',
  entities,
  summary: `edit at ${at}`,
});

/** Call once at the top of a test file: gives `withHistory(backend, options)`. */
export function historyStores(): (backend: Backend, history: HistoryOptions) => Promise<Storage> {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => {});
  });
  return async (backend, history) => {
    const first = await backend.open();
    const s =
      backend.name === 'sqlite'
        ? openSqliteStorage(first.location, { history })
        : await openPostgresStorage(first.location, { history });
    opened.push(s);
    return s;
  };
}
