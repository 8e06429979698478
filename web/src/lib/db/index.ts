export { createDatabase, DB_NAME, database, type GatehouseDb, type OutboxRow } from './database.ts';
export {
  addToOutbox,
  clearAll,
  confirmOutbox,
  getPref,
  openReplica,
  outboxEntries,
  type Replica,
  resetReplica,
  setPref,
} from './workspace-replica.ts';
