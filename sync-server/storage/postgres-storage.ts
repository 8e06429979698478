/**
 * Storage on PostgreSQL (`DATABASE_URL`): one pool per instance, versioned migrations at open
 * (postgres/migrations.ts), one store per aggregate (postgres/*.ts), the same interfaces and the same
 * contract as SQLite (test/storage). Every write is a single transaction.
 */

import { DEFAULT_HISTORY, type HistoryOptions } from './history-store.ts';
import { postgresAccountStore } from './postgres/account-store.ts';
import { postgresAuditStore } from './postgres/audit-store.ts';
import { postgresDecisionTokenStore } from './postgres/decision-token-store.ts';
import { postgresDocumentStore } from './postgres/document-store.ts';
import { ensurePostgresHistoryIndex } from './postgres/history-index-store.ts';
import { ensurePostgresHistory, postgresHistory } from './postgres/history-store.ts';
import { postgresInvitationStore } from './postgres/invitation-store.ts';
import { KeyedQueue } from './postgres/keyed-queue.ts';
import { migrate } from './postgres/migrations.ts';
import { createDb, mapError, type PostgresOptions } from './postgres/pool.ts';
import { postgresScimStore } from './postgres/scim-store.ts';
import { hasSavedSecrets, postgresSsoStore } from './postgres/sso-store.ts';
import { postgresWebhookStore } from './postgres/webhook-store.ts';
import { postgresWorkspaceStore } from './postgres/workspace-store.ts';
import { createSecretBox, SECRET_KEY_MISSING, SecretKeyError, secretKeyFromEnv } from './secret-box.ts';
import type { Storage } from './storage.ts';

export type { PostgresOptions };

/** Connects, migrates (or refuses a newer schema: SchemaTooNewError) and returns the storage. */
export async function openPostgresStorage(
  url: string,
  options: PostgresOptions & { readonly history?: HistoryOptions; readonly secretKey?: Buffer } = {},
): Promise<Storage> {
  const secretKey = options.secretKey ?? secretKeyFromEnv();
  const db = createDb(url, options);
  try {
    await migrate(db);
    await ensurePostgresHistory(db);
    await ensurePostgresHistoryIndex(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw mapError(err);
  }
  if (secretKey === null && (await hasSavedSecrets(db))) {
    await db.close().catch(() => {});
    throw new SecretKeyError(SECRET_KEY_MISSING);
  }
  const queue = new KeyedQueue();
  const secrets = createSecretBox(secretKey);
  let closed = false;
  const history = postgresHistory(db, options.history ?? DEFAULT_HISTORY);
  return {
    ...postgresDocumentStore(db, queue, history),
    ...history.store,
    ...history.index.store,
    ...postgresAuditStore(db),
    ...postgresAccountStore(db),
    ...postgresDecisionTokenStore(db),
    ...postgresInvitationStore(db),
    ...postgresWorkspaceStore(db),
    ...postgresScimStore(db),
    ...postgresSsoStore(db, secrets),
    ...postgresWebhookStore(db, secrets),
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
    onUnavailable: (fn) => db.onUnavailable(fn),
  };
}
