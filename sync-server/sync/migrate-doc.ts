/**
 * Upgrades a workspace doc of an older schema when the server loads it (core/doc/migrate-v1-to-v2.ts),
 * once, before the live doc is handed to anyone: core's migration ops go through the pipeline as the
 * server's own change — validated on the shadow, committed with one audit row (`schema.migrate`), applied
 * and relayed only once stored. Idempotent: a doc at the current schema is left alone, so a failed or
 * interrupted migration is simply tried again at the next load. Clients of an older build that write the
 * old layout afterwards are refused by validation with a "reload" message.
 */
import { docSchemaVersion, MIGRATION_OPS, needsMigration, schema } from '../../core/index.ts';
import type { Logger } from '../log.ts';
import { type LiveDoc, SERVER_ACTOR } from './live-doc.ts';

export const MIGRATE_ACTION = 'schema.migrate';

/** Migrates `live`'s doc when it is of an older schema; true when a migration was committed. */
export async function migrateLoadedDoc(live: LiveDoc, log: Logger): Promise<boolean> {
  if (!needsMigration(live.doc)) return false;
  const from = docSchemaVersion(live.doc);
  const workspace = live.workspace.slug;
  const result = await live.submit(
    { kind: 'ops', ops: MIGRATION_OPS, action: MIGRATE_ACTION },
    SERVER_ACTOR,
    'server',
  );
  if (!result.ok || !result.committed) {
    log.error(
      { workspace, from, error: result.ok ? 'not committed' : result.error },
      'schema migration failed',
    );
    return false;
  }
  log.info({ workspace, from, to: schema.SCHEMA_VERSION }, 'workspace doc migrated');
  return true;
}
