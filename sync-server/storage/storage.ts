/**
 * Storage: everything the server keeps, as stores per aggregate so that PostgreSQL can implement the same
 * interfaces (postgres-storage.ts). Each caller is typed with the stores it uses; `Storage` is their sum, for wiring.
 * Methods return promises even though the SQLite implementation is synchronous underneath; callers must
 * not assume a write happened before its promise resolves.
 *
 *   document-store.ts   doc snapshot + update log (durability contract: committed before relayed)
 *   audit-store.ts      audit log
 *   account-store.ts    accounts, sessions, API tokens, invitations, password resets
 *   workspace-store.ts  workspaces, memberships projection, joined facts
 *   scim-store.ts       SCIM connections, their tokens, links to users and groups, request log
 *   sso-store.ts        SSO connections, sign-in policy and flows, users' IdP groups, sign-in log
 *   history-store.ts    the doc as of a past moment (update times, history snapshots, retention)
 *   webhook-store.ts    each workspace's webhook (sealed secret) and its delivery outbox
 */
import type { AccountStores } from './account-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { DocumentStore } from './document-store.ts';
import type { HistoryIndexStore } from './history-index-store.ts';
import type { HistoryStore } from './history-store.ts';
import type { ScimStore } from './scim-store.ts';
import type { SsoStore } from './sso-store.ts';
import type { WebhookStore } from './webhook-store.ts';
import type { WorkspaceStores } from './workspace-store.ts';

export interface Storage
  extends DocumentStore,
    AuditStore,
    AccountStores,
    WorkspaceStores,
    ScimStore,
    SsoStore,
    HistoryStore,
    HistoryIndexStore,
    WebhookStore {
  close(): Promise<void>;
  /**
   * Registers `fn` to run when the database becomes unreachable (once per outage; PostgreSQL only: an
   * embedded file does not go away). The server closes sync sockets with 1013 then.
   */
  onUnavailable?(fn: () => void): () => void;
}
