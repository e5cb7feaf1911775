import { DataSource, type EntitySchema, type MigrationInterface, type QueryRunner } from 'typeorm';
import { DatabaseUnreachableError } from './database';
import { ParameterFreeQueryLogger, type QueryErrorSink } from './query-error-logger';

export interface AppDataSourceOptions {
  url: string;
  /** The app's own Postgres schema; every table of the app lives there. */
  schema: string;
  entities: (Function | EntitySchema)[];
  migrations: (new () => MigrationInterface)[];
  poolSize?: number;
  applicationName?: string;
  /** Where failed queries are reported (SQL text and error only, never parameters); none: not reported. */
  queryErrors?: QueryErrorSink;
}

export function createAppDataSource(options: AppDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    logger: new ParameterFreeQueryLogger(options.queryErrors ?? null),
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName,
    extra: {
      // Fail fast when Postgres is gone instead of queueing forever; the callers retry.
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      // pg-pool hands a new connection to its first user from inside the socket's ReadyForQuery handler and
      // TypeORM attaches its error listener a microtask later, so a FATAL read in the same chunk (the backend
      // terminated right after connecting: pg_terminate_backend, admin shutdown) was emitted with no listener
      // and crashed the process (found by the database-cut fault test). A listener for the connection's whole
      // life closes the gap; the error still fails the query in flight and the pool drops the connection.
      onConnect: (client: { on(event: 'error', listener: () => void): unknown }) => {
        client.on('error', () => undefined);
      },
    },
  });
}

/** Connects, creates the app's schema if missing and runs its pending migrations. */
export async function initializeAndMigrate(dataSource: DataSource): Promise<string[]> {
  const url = (dataSource.options as { url?: string }).url ?? '';
  try {
    await dataSource.initialize();
  } catch (error) {
    if (isConnectionError(error)) throw new DatabaseUnreachableError(url, error);
    throw error;
  }
  const schema = schemaOf(dataSource);
  // Concurrent replicas starting at once would race on CREATE SCHEMA and on the migrations; a
  // transaction-level advisory lock keyed by the schema name serialises them.
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch((error: { code?: string }) => {
    if (error.code !== '23505' && error.code !== '42P06') throw error;
  });
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`labsync-migrations:${schema}`]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`labsync-migrations:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

export function schemaOf(source: DataSource | QueryRunner): string {
  const dataSource = 'connection' in source ? source.connection : source;
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('the DataSource has no schema configured');
  return schema;
}

export function quoteIdent(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(identifier)) throw new Error(`unsafe SQL identifier "${identifier}"`);
  return `"${identifier}"`;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/** True for errors that mean "the database is not there right now" rather than "this query is wrong". */
export function isConnectionError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: string; message?: string; name?: string; driverError?: unknown; cause?: unknown };
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  // When the connection dies between two queries of a transaction, TypeORM releases the query runner on the
  // connection's error event and the next query throws one of these instead: the transaction never committed
  // (found by the database-cut fault test, where it made a delivered callback be sent again).
  if (e.name === 'QueryRunnerProviderAlreadyReleasedError' || e.name === 'QueryRunnerAlreadyReleasedError') return true;
  if (e.message && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(e.message)) return true;
  if (e.driverError && e.driverError !== error) return isConnectionError(e.driverError);
  if (e.cause && e.cause !== error) return isConnectionError(e.cause);
  return false;
}
