// Shared by `npm test`, `npm start` and `npm run demo`: make sure the real infrastructure is there.
// - PostgreSQL at DATABASE_URL (on this machine's own 127.0.0.1:5432 it is started if it is stopped).
// - Kafka: KAFKA_BROKERS if set, else the project's own broker (tools/kafka), started if needed.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { provisionConnect } from '../connect/connect.mjs';
import { startKafka } from '../kafka/kafka.mjs';

const require = createRequire(import.meta.url);
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/labsync';

async function canConnect(url) {
  const { Client } = require('pg');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return null;
  } catch (error) {
    return error;
  }
}

/** Resolves when Postgres answers; fails with one line naming DATABASE_URL otherwise. */
export async function ensurePostgres(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL) {
  let error = await canConnect(url);
  if (!error) return;
  const host = new URL(url).hostname;
  if (['127.0.0.1', 'localhost'].includes(host)) {
    // The development machines run a local cluster; start it if it was stopped.
    try {
      const version = readdirSync('/etc/postgresql')[0];
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'ignore' });
      for (let i = 0; i < 40 && (error = await canConnect(url)); i++) await new Promise((r) => setTimeout(r, 250));
    } catch {
      /* not a machine where we can start it; report below */
    }
  }
  if (error) {
    const shown = new URL(url);
    if (shown.password) shown.password = '***';
    throw new Error(`PostgreSQL is not reachable at DATABASE_URL=${shown} (${error.code ?? error.message})`);
  }
}

/** Creates the database named in the URL if it does not exist yet. */
export async function ensureDatabaseExists(url) {
  const { Client } = require('pg');
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e) => { if (e.code !== '42P04') throw e; });
  } finally {
    await client.end();
  }
}

export const TEST_DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/labsync_test';

export async function ensureTestInfrastructure() {
  await ensurePostgres(TEST_DATABASE_URL);
  await ensureDatabaseExists(TEST_DATABASE_URL);
  const kafka = await startKafka();
  // Kafka Connect + Debezium for the cdc specs: downloaded once into .cache/connect, like the broker's jars
  await provisionConnect();
  return { startedKafka: !kafka.external && !kafka.alreadyRunning, brokers: kafka.brokers };
}
