/**
 * The connection pool and what every PostgreSQL store shares: BIGINT parsed to a safe number (times are
 * epoch milliseconds and seqs stay far below 2^53; anything beyond is refused, never rounded), bytea
 * returned as Uint8Array views, a statement timeout, transactions, and the one error mapping (connection
 * failures → StorageUnavailableError, unique violations → StorageConflictError).
 */
import pg from 'pg';
import { StorageConflictError, StorageUnavailableError } from '../errors.ts';

export interface PostgresOptions {
  /** Connections per instance (default 10). */
  readonly poolSize?: number;
  /** Any statement running longer is cancelled (default 15 s). */
  readonly statementTimeoutMs?: number;
  /** Giving up on connecting (default 5 s). */
  readonly connectTimeoutMs?: number;
}

const INT8_OID = 20;
const parseInt8 = (text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT ${text} is beyond a safe JavaScript integer`);
  return n;
};
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface Db {
  readonly pool: pg.Pool;
  /** One statement on any connection, errors mapped. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (c: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Called (once per outage) when a connection-level failure is seen. */
  onUnavailable(fn: () => void): () => void;
}

/** SQLSTATE classes and codes meaning "not reachable now", plus Node's socket errors. */
const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    err.message,
  );
}

/** The store-level error for a driver error (the same kinds SQLite's stores raise). */
export function mapError(err: unknown): unknown {
  if (isConnectionError(err))
    return new StorageUnavailableError(`PostgreSQL is not reachable: ${(err as Error).message}`, {
      cause: err,
    });
  if (err instanceof Error && (err as { code?: unknown }).code === '23505')
    return new StorageConflictError((err as { constraint?: string }).constraint ?? 'unique', { cause: err });
  return err;
}

export function createDb(url: string, options: PostgresOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    idle_in_transaction_session_timeout: 60_000, // a transaction left open by a bug ends, its locks go
    idleTimeoutMillis: 30_000,
    types,
    application_name: 'gatehouse',
  });
  const listeners = new Set<() => void>();
  let down = false;
  const seen = (err: unknown) => {
    const mapped = mapError(err);
    if (mapped instanceof StorageUnavailableError) {
      if (!down) {
        down = true;
        for (const fn of [...listeners]) fn();
      }
    } else down = false;
    return mapped;
  };
  // An idle client's connection dying (server restart) is reported here; the pool drops that client.
  pool.on('error', (err) => void seen(err));

  return {
    pool,
    async query(sql, params) {
      try {
        const r = await pool.query(sql, params as unknown[]);
        down = false;
        return r;
      } catch (err) {
        throw seen(err);
      }
    },
    async tx(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw seen(err);
      }
      let broken: unknown = null;
      // A connection dying between two statements is emitted on the client, not thrown: without a
      // listener that is an uncaught error. The next statement fails and is mapped below.
      const onError = (err: Error) => {
        broken = err;
        seen(err);
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        down = false;
        return result;
      } catch (err) {
        if (isConnectionError(err)) broken = err;
        if (!broken) await client.query('ROLLBACK').catch((e) => (broken = e));
        throw seen(err);
      } finally {
        client.off('error', onError);
        // A connection that failed mid-transaction is not given back to the pool.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async close() {
      await pool.end();
    },
    onUnavailable(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
