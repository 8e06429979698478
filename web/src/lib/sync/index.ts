export {
  createSyncLink,
  defaultSyncUrl,
  type LinkStatus,
  type SyncLink,
  type SyncLinkOptions,
  type TerminalClose,
} from './sync-connection.ts';
