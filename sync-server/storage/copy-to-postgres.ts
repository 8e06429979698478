/**
 * Moving a SQLite data dir into PostgreSQL (`npm run migrate-data`, scripts/migrate-data.ts): every row of
 * every table in one transaction, then a check that counts and each workspace's state vector agree.
 * Safe to re-run: rows are upserted by primary key (the source wins, nothing is deleted), and a workspace
 * doc already in PostgreSQL receives only what the source has that it lacks (one Yjs diff update), so a
 * second run changes nothing and edits made since on PostgreSQL are kept. A target that holds accounts or
 * workspaces the source does not have is refused unless `allowOtherData`.
 * The doc log is not copied row by row: SQLite's seqs are one global rowid, PostgreSQL's are per
 * workspace. A new doc is written as one merged update (seq 1); history stays in the audit log.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as Y from 'yjs';
import { toBytea } from './postgres/bytes.ts';
import { migrate } from './postgres/migrations.ts';
import { createDb, type Db, type Queryable } from './postgres/pool.ts';
import { openPostgresStorage } from './postgres-storage.ts';
import { secretKeyFor } from './secret-box.ts';
import { openDatabase, sqliteFile } from './sqlite/open-database.ts';
import { openSqliteStorage } from './sqlite-storage.ts';

/** Tables copied as rows, in foreign-key order: [table, primary key columns, columns]. */
const TABLES: readonly (readonly [string, readonly string[], readonly string[]])[] = [
  ['accounts', ['id'], ['id', 'email', 'name', 'password_hash', 'created_at']],
  ['workspaces', ['id'], ['id', 'slug', 'name', 'created_at']],
  ['memberships', ['workspace_id', 'user_id'], ['workspace_id', 'user_id', 'email', 'role', 'status']],
  [
    'invitations',
    ['id'],
    ['id', 'workspace_id', 'user_id', 'email', 'token_hash', 'created_at', 'expires_at', 'accepted_at'],
  ],
  [
    'api_tokens',
    ['id'],
    ['id', 'workspace_id', 'account_id', 'name', 'token_hash', 'created_at', 'last_used_at'],
  ],
  [
    'decision_tokens',
    ['id'],
    [
      'id',
      'workspace_id',
      'name',
      'token_hash',
      'created_by',
      'created_by_email',
      'created_at',
      'last_used_at',
      'request_count',
    ],
  ],
  [
    'scim_connections',
    ['id'],
    [
      'id',
      'workspace_id',
      'name',
      'may_upgrade_roles',
      'upgrade_confirmed_by',
      'upgrade_confirmed_at',
      'created_at',
    ],
  ],
  [
    'scim_tokens',
    ['id'],
    ['id', 'connection_id', 'workspace_id', 'token_hash', 'created_at', 'last_used_at'],
  ],
  [
    'scim_links', // the request log (scim_requests) is not copied: it is a recent-activity view
    ['connection_id', 'kind', 'resource_id'],
    [
      'connection_id',
      'kind',
      'resource_id',
      'external_id',
      'user_name',
      'attributes',
      'created_at',
      'updated_at',
    ],
  ],
  // SSO: connections (with the client secret), the password policy, each user's last IdP groups (the
  // mapping impact reads them), the sign-in log (ids kept). In-flight sign-ins (sso_flows, minutes) are not.
  [
    'sso_connections',
    ['id'],
    ['id', 'workspace_id', 'settings', 'client_secret', 'created_at', 'updated_at'],
  ],
  ['sso_policies', ['workspace_id'], ['workspace_id', 'password_sign_in']],
  ['sso_user_groups', ['connection_id', 'user_id'], ['connection_id', 'user_id', 'idp_groups', 'at']],
  ['sso_sign_ins', ['id'], ['id', 'connection_id', 'at', 'email', 'user_id', 'outcome', 'changes']],
  // Webhooks (the signing secret sealed, like SSO client secrets) and their outbox: pending deliveries go on.
  ['webhooks', ['workspace_id'], ['workspace_id', 'url', 'enabled', 'secret', 'created_at', 'updated_at']],
  [
    'webhook_deliveries',
    ['id'],
    [
      'id',
      'workspace_id',
      'event',
      'payload',
      'status',
      'attempts',
      'next_attempt_at',
      'last_attempt_at',
      'last_status',
      'last_error',
      'created_at',
      'delivered_at',
    ],
  ],
  ['sessions', ['id'], ['id', 'account_id', 'token_hash', 'created_at', 'expires_at']],
  ['sso_sessions', ['token_hash'], ['token_hash', 'expires_at']], // sessions an SSO sign-in started
  [
    'password_resets',
    ['id'],
    ['id', 'account_id', 'secret_hash', 'created_by', 'created_at', 'expires_at', 'used_at'],
  ],
  [
    'joined',
    ['workspace_id', 'account_id', 'user_id'],
    ['workspace_id', 'account_id', 'user_id', 'joined_at'],
  ],
  [
    'audit',
    ['id'],
    [
      'id',
      'workspace_id',
      'at',
      'actor_id',
      'actor_email',
      'actor_name',
      'source',
      'action',
      'entities',
      'entity_keys',
      'summary',
    ],
  ],
];
const JSONB_COLUMNS = new Set(['entities', 'attributes', 'settings', 'idp_groups', 'changes']);
/** Tables whose serial ids are copied: their sequences continue after the copied ids. */
const SERIAL_TABLES = ['audit', 'sso_sign_ins'];
const ROWS_PER_INSERT = 500;

export interface CopyOptions {
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** Write even though the target holds accounts or workspaces the source does not have. */
  readonly allowOtherData?: boolean;
}

export interface CopyReport {
  readonly counts: { table: string; source: number; target: number }[];
  readonly workspaces: {
    slug: string;
    docUpdate: 'new' | 'merged' | 'unchanged';
    /** `ahead`: PostgreSQL has everything the source has, and edits made there since. */
    stateVector: 'equal' | 'ahead' | 'missing';
  }[];
  /** True when PostgreSQL holds at least the source's rows of every table and all of every doc. */
  readonly ok: boolean;
}

export class CopyRefusedError extends Error {
  override readonly name = 'CopyRefusedError';
}

export async function copySqliteToPostgres(options: CopyOptions): Promise<CopyReport> {
  if (!fs.existsSync(sqliteFile(options.dataDir)))
    throw new CopyRefusedError(`no Gatehouse SQLite file in ${path.resolve(options.dataDir)}`);
  const sqlite = openDatabase(options.dataDir); // brings an older file's schema up to date, as a start would
  const source = openSqliteStorage(options.dataDir);
  const db = createDb(options.databaseUrl);
  try {
    await migrate(db);
    await refuseOtherData(db, sqlite, options.allowOtherData === true);
    const docs = new Map<string, 'new' | 'merged' | 'unchanged'>();
    await db.tx(async (c) => {
      for (const [table, key, columns] of TABLES) {
        const rows = sqlite
          .prepare(`SELECT ${columns.join(', ')} FROM ${table}`)
          .raw()
          .all() as unknown[][];
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
          await upsert(c, table, key, columns, rows.slice(i, i + ROWS_PER_INSERT));
      }
      for (const table of SERIAL_TABLES)
        await c.query(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT MAX(id) FROM ${table}), 1))`,
        );
      for (const ws of await source.listWorkspaces())
        docs.set(ws.id, await copyDoc(c, ws.id, await sourceDoc(source, ws.id)));
    });
    return await verify(options, sqlite, source, docs);
  } finally {
    await db.close();
    await source.close();
    sqlite.close();
  }
}

async function refuseOtherData(db: Db, sqlite: ReturnType<typeof openDatabase>, allow: boolean) {
  if (allow) return;
  for (const table of ['accounts', 'workspaces']) {
    const ids = (sqlite.prepare(`SELECT id FROM ${table}`).all() as { id: string }[]).map((r) => r.id);
    const { rows } = await db.query<{ n: number }>(
      `SELECT COUNT(*)::bigint AS n FROM ${table} WHERE NOT (id = ANY($1::text[]))`,
      [ids],
    );
    if (rows[0]!.n > 0)
      throw new CopyRefusedError(
        `the target already holds ${rows[0]!.n} ${table} that are not in the SQLite data: ` +
          'nothing was written (pass --allow-other-data to copy into it anyway)',
      );
  }
}

async function upsert(
  c: Queryable,
  table: string,
  key: readonly string[],
  columns: readonly string[],
  rows: unknown[][],
) {
  if (rows.length === 0) return;
  const args: unknown[] = [];
  const values = rows.map(
    (row) =>
      `(${row
        .map((v, i) => `$${args.push(v)}${JSONB_COLUMNS.has(columns[i]!) ? '::jsonb' : ''}`)
        .join(', ')})`,
  );
  const rest = columns.filter((col) => !key.includes(col));
  const onConflict =
    rest.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${rest.map((col) => `${col} = excluded.${col}`).join(', ')}`;
  await c.query(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')} ON CONFLICT (${key.join(', ')}) ${onConflict}`,
    args,
  );
}

async function sourceDoc(source: ReturnType<typeof openSqliteStorage>, workspaceId: string): Promise<Y.Doc> {
  const stored = await source.loadDoc(workspaceId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  return doc;
}

async function targetDoc(c: Queryable, workspaceId: string): Promise<Y.Doc> {
  const { rows } = await c.query<{ data: Buffer }>(
    `SELECT data FROM (
       SELECT 0 AS kind, upto_seq AS seq, data FROM doc_snapshots WHERE workspace_id = $1
       UNION ALL
       SELECT 1, seq, data FROM doc_updates WHERE workspace_id = $1
         AND seq > COALESCE((SELECT upto_seq FROM doc_snapshots WHERE workspace_id = $1), 0)
     ) d ORDER BY kind, seq`,
    [workspaceId],
  );
  const doc = new Y.Doc();
  for (const r of rows) Y.applyUpdate(doc, r.data);
  return doc;
}

/** Writes the source doc, or what the target lacks of it, as one update under the workspace's lock. */
async function copyDoc(
  c: Queryable,
  workspaceId: string,
  source: Y.Doc,
): Promise<'new' | 'merged' | 'unchanged'> {
  const head = (
    await c.query<{ head_seq: number }>('SELECT head_seq FROM workspaces WHERE id = $1 FOR UPDATE', [
      workspaceId,
    ])
  ).rows[0]!.head_seq;
  let update: Uint8Array;
  if (head === 0) update = Y.encodeStateAsUpdate(source);
  else {
    const target = await targetDoc(c, workspaceId);
    const before = Y.snapshot(target);
    update = Y.encodeStateAsUpdate(source, Y.encodeStateVector(target));
    Y.applyUpdate(target, update);
    if (Y.equalSnapshots(before, Y.snapshot(target))) return 'unchanged';
  }
  await c.query(
    'INSERT INTO doc_updates (workspace_id, seq, update_hash, data, instance, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
    [
      workspaceId,
      head + 1,
      createHash('sha256').update(update).digest(),
      toBytea(update),
      'migrate-data',
      Date.now(),
    ],
  );
  await c.query('UPDATE workspaces SET head_seq = $2 WHERE id = $1', [workspaceId, head + 1]);
  return head === 0 ? 'new' : 'merged';
}

async function verify(
  options: CopyOptions,
  sqlite: ReturnType<typeof openDatabase>,
  source: ReturnType<typeof openSqliteStorage>,
  docs: Map<string, 'new' | 'merged' | 'unchanged'>,
): Promise<CopyReport> {
  // The secrets are copied sealed: the cluster reads them with this same key (SECRET_KEY).
  const target = await openPostgresStorage(options.databaseUrl, { secretKey: secretKeyFor(options.dataDir) });
  const db = createDb(options.databaseUrl);
  try {
    const counts: CopyReport['counts'] = [];
    for (const [table] of TABLES) {
      const s = (sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      const t = (await db.query<{ n: number }>(`SELECT COUNT(*)::bigint AS n FROM ${table}`)).rows[0]!.n;
      counts.push({ table, source: s, target: t });
    }
    const workspaces: CopyReport['workspaces'] = [];
    for (const ws of await source.listWorkspaces()) {
      const stored = await target.loadDoc(ws.id);
      const doc = new Y.Doc();
      if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
      for (const u of stored.updates) Y.applyUpdate(doc, u);
      const want = Y.decodeStateVector(Y.encodeStateVector(await sourceDoc(source, ws.id)));
      const have = Y.decodeStateVector(Y.encodeStateVector(doc));
      const missing = [...want].some(([client, clock]) => (have.get(client) ?? 0) < clock);
      const equal = !missing && have.size === want.size && [...want].every(([k, v]) => have.get(k) === v);
      workspaces.push({
        slug: ws.slug,
        docUpdate: docs.get(ws.id) ?? 'unchanged',
        stateVector: missing ? 'missing' : equal ? 'equal' : 'ahead',
      });
    }
    const countsOk = counts.every((c) => c.target >= c.source);
    return { counts, workspaces, ok: countsOk && workspaces.every((w) => w.stateVector !== 'missing') };
  } finally {
    await db.close();
    await target.close();
  }
}
