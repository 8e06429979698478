export { createDatabase, DB_NAME, database, type GatehouseDb, type OutboxRow } from './database.ts';
export { UPDATES_TABLE } from './initial-state.ts';
export {
  addToOutbox,
  clearAll,
  confirmOutbox,
  getPref,
  hasReplica,
  openReplica,
  outboxEntries,
  type Replica,
  resetReplica,
  setPref,
} from './workspace-replica.ts';
