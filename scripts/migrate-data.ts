/**
 * `npm run migrate-data -- --to postgres://… [--from ./data] [--allow-other-data]`: copies a SQLite data
 * dir (DATA_DIR, default ./data) into PostgreSQL, then compares counts and each workspace's state vector
 * (sync-server/storage/copy-to-postgres.ts). Safe to re-run. Stop the SQLite server first. Exit code 0
 * when the copy checks out, 1 otherwise.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CopyRefusedError, copySqliteToPostgres } from '../sync-server/storage/copy-to-postgres.ts';
import { StorageUnavailableError } from '../sync-server/storage/errors.ts';
import { databaseUrlProblem, redactUrl } from '../sync-server/storage/open-storage.ts';
import { SECRET_KEY_FILE, SecretKeyError } from '../sync-server/storage/secret-box.ts';

const USAGE =
  'usage: npm run migrate-data -- --to postgres://user:pass@host/db [--from DATA_DIR] [--allow-other-data]';

function fail(message: string): never {
  process.stderr.write(`migrate-data: ${message}\n`);
  process.exit(1);
}

let values: { to?: string; from?: string; 'allow-other-data'?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      'allow-other-data': { type: 'boolean' },
    },
  }));
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
const databaseUrl = values.to ?? process.env.DATABASE_URL;
if (!databaseUrl) fail(`say where to: --to postgres://…\n${USAGE}`);
const problem = databaseUrlProblem(databaseUrl);
if (problem) fail(problem.replace('DATABASE_URL', '--to'));
const dataDir = values.from ?? process.env.DATA_DIR ?? './data';

try {
  const report = await copySqliteToPostgres({
    dataDir,
    databaseUrl,
    allowOtherData: values['allow-other-data'] === true,
  });
  const lines = [
    `Copied ${dataDir} into ${redactUrl(databaseUrl)}.`,
    '',
    'table            SQLite  PostgreSQL',
  ];
  for (const c of report.counts)
    lines.push(`${c.table.padEnd(16)} ${String(c.source).padStart(6)}  ${String(c.target).padStart(10)}`);
  lines.push('', 'workspace            doc        state vector');
  for (const w of report.workspaces)
    lines.push(`${w.slug.padEnd(20)} ${w.docUpdate.padEnd(10)} ${w.stateVector}`);
  lines.push(
    '',
    report.ok ? 'Everything checks out.' : 'MISMATCH: PostgreSQL lacks some of the data (see above).',
    // SSO client secrets travel sealed: the cluster needs the key they were sealed with.
    process.env.SECRET_KEY
      ? 'SSO client secrets stay encrypted: run every instance with this same SECRET_KEY.'
      : `SSO client secrets stay encrypted: run every instance with SECRET_KEY set to the contents of ${path.join(dataDir, SECRET_KEY_FILE)}.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(report.ok ? 0 : 1);
} catch (err) {
  if (err instanceof CopyRefusedError) fail(err.message);
  if (err instanceof SecretKeyError) fail(err.message);
  if (err instanceof StorageUnavailableError) fail(`cannot reach PostgreSQL at ${redactUrl(databaseUrl)}`);
  fail(`the copy failed and was rolled back: ${(err as Error).message}`);
}
