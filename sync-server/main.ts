/**
 * `npm start` entry (via scripts/start.mjs): the only module with side effects. Reads the environment,
 * starts the server (on PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR), prints the setup
 * link or the demo sign-ins, and shuts down cleanly on SIGTERM/SIGINT. A start that cannot work (bad
 * DATABASE_URL, database unreachable, schema too new) is one line on stderr and exit code 1.
 */
import path from 'node:path';
import { configFromEnv } from './config.ts';
import { seedDemo } from './demo/seed-demo.ts';
import { createGatehouseServer, type GatehouseServer } from './server.ts';
import { redactUrl, StorageStartError } from './storage/open-storage.ts';

const args = new Set(process.argv.slice(2));
const env = configFromEnv(process.env);
const config = { ...env, webDir: env.webDir ?? process.env.WEB_DIR ?? path.resolve('dist/web') };

/** A start that cannot work (bad DATABASE_URL, database unreachable or too new): one line, exit 1. */
async function startOrExit(): Promise<GatehouseServer> {
  try {
    return await createGatehouseServer(config);
  } catch (err) {
    if (!(err instanceof StorageStartError)) throw err;
    process.stderr.write(`Gatehouse cannot start: ${err.message}\n`);
    process.exit(1);
  }
}

const server = await startOrExit();
const { log } = server.ctx;
const { url } = await server.listen();
const storage = config.databaseUrl
  ? { database: redactUrl(config.databaseUrl) }
  : { dataDir: path.resolve(config.dataDir) };
log.info({ url, ...storage }, 'Gatehouse is listening');

if (args.has('--demo')) {
  const logins = await seedDemo(server.ctx, url);
  if (logins) {
    const lines = logins.map(
      (l) => `  ${l.role.padEnd(9)} ${l.email.padEnd(18)} ${l.password}   (${l.name})`,
    );
    process.stdout.write(
      `\nDemo workspace “Nexus” is ready: ${url}/nexus/workspace-settings/groups\nSign in as:\n${lines.join('\n')}\n` +
        `Demo apps for the extension: ${url}/demo-apps/hr-portal, ${url}/demo-apps/crm, …\n\n`,
    );
  } else process.stdout.write('\n--demo: this data directory already has accounts; nothing seeded.\n\n');
}
if (server.ctx.setupToken)
  process.stdout.write(
    `\nFirst run: open ${url}/setup?token=${server.ctx.setupToken} to create your workspace and admin.\n\n`,
  );

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  server
    .close()
    .then(() => process.exit(0))
    .catch((err) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
