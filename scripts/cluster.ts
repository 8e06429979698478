/**
 * `npm run cluster [-- N]`: tries cluster mode locally. Starts a throwaway PostgreSQL and Redis (Debian's
 * `postgresql` and `redis-server` packages; DATABASE_URL / REDIS_URL when set), then N instances (3 by
 * default) on consecutive ports from PORT (8080), prints their URLs, and stops everything on Ctrl-C.
 * Nothing is kept: the database lives in a temp dir and Redis runs without persistence.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { startPostgres } from '../test/support/postgres.ts';
import { startRedis } from '../test/support/redis.ts';

const count = Math.max(1, Number(process.argv[2] ?? 3) || 3);
const basePort = Number(process.env.PORT ?? 8080) || 8080;

const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
const databaseUrl = await postgres.createDatabase();
const children: ChildProcess[] = [];

async function healthy(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`an instance exited (code ${child.exitCode})`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
}

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stdout.write('\nStopping the instances, Redis and PostgreSQL…\n');
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    await redis.stop();
    await postgres.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const port = basePort + i;
    const url = `http://localhost:${port}`;
    // The first one builds the admin app when it is missing; the others reuse it.
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        PORT: String(port),
        HOST: process.env.HOST ?? '127.0.0.1',
        ...(i > 0 ? { SKIP_WEB_BUILD: '1' } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    await healthy(url, child);
    urls.push(url);
  }
  process.stdout.write(
    `\nGatehouse cluster: ${count} instances over one PostgreSQL and one Redis\n` +
      `${urls.map((u) => `  ${u}   (${u}/healthz, ${u}/metrics)`).join('\n')}\n` +
      `  PostgreSQL ${databaseUrl}\n  Redis      ${redis.url}\nCtrl-C stops everything.\n`,
  );
} catch (err) {
  process.stderr.write(`npm run cluster: ${(err as Error).message}\n`);
  await stop(1);
}
