import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { TEST_DATABASE_URL, sql, uniqueSchema } from '@labsync/testing';

const ROOT = resolve(__dirname, '../../..');
/** The boot waits this long for Kafka; a configuration error must not. */
const KAFKA_WAIT_MS = 90000;
/** Loading a Nest app takes seconds on a busy 2-core runner; still a third of the Kafka wait. */
const AT_ONCE_MS = 30000;
const TEST_TIMEOUT_MS = KAFKA_WAIT_MS + 10000;

interface Exit {
  code: number | null;
  stderr: string;
  elapsedMs: number;
}

/** Starts the built app like production does and waits for it to exit (or kills it at the Kafka wait). */
function boot(app: string, env: Record<string, string>): Promise<Exit> {
  const started = Date.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps', app, 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: '0', KAFKA_CONNECT_TIMEOUT_MS: String(KAFKA_WAIT_MS), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), KAFKA_WAIT_MS + 5000);
  return new Promise((resolveExit) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolveExit({ code, stderr, elapsedMs: Date.now() - started });
    }),
  );
}

// Nothing listens on port 1: Postgres and Kafka are "unreachable" without a connect timeout to wait out.
const UNREACHABLE = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/labsync', KAFKA_BROKERS: '127.0.0.1:1' };

describe('a wrong variable stops the app at once, naming it, before Postgres or Kafka is touched', () => {
  it.each([
    ['portal-adapter', 'CALLBACK_TIMEOUT_MS', 'soon'],
    ['lab-adapter', 'LAB_POLL_PAGE_SIZE', '5000'],
    ['correlation-tracker', 'STALL_SWEEP_BATCH_SIZE', '0'],
    ['lab-sim', 'LAB_SIM_AUTO_STEP_MS', '-1'],
    ['portal-sim', 'PARTNERS', '[{'],
    ['portal-adapter', 'KAFKA_REPLICATION_FACTOR', 'three'],
    ['lab-adapter', 'LOG_LEVEL', 'loud'],
    ['correlation-tracker', 'PROCESSED_EVENTS_RETENTION_MS', '1000'],
    ['lab-adapter', 'LAB_INBOX_RETENTION_MS', 'forever'],
    ['portal-adapter', 'CATALOG_SYNC_PUSH', 'staged'],
  ])('%s with %s=%s and an unreachable database and broker', async (app, variable, value) => {
    const exit = await boot(app, { ...UNREACHABLE, [variable]: value });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(variable);
    // The one-line report of an expected failure, not the database's complaint.
    expect(exit.stderr).toMatch(/invalid configuration/);
    expect(exit.stderr).not.toMatch(/PostgreSQL is not reachable/);
    expect(exit.elapsedMs).toBeLessThan(AT_ONCE_MS);
  }, TEST_TIMEOUT_MS);

  it('does not run migrations or wait for Kafka first when the database is there and the broker is not', async () => {
    const schema = uniqueSchema('boot_config');
    const exit = await boot('portal-adapter', { DATABASE_URL: TEST_DATABASE_URL, DB_SCHEMA: schema, KAFKA_BROKERS: '127.0.0.1:1', CALLBACK_MAX_ATTEMPTS: '0' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('CALLBACK_MAX_ATTEMPTS');
    expect(exit.elapsedMs).toBeLessThan(AT_ONCE_MS);
    expect(await sql('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).toEqual([]);
  }, TEST_TIMEOUT_MS);
});
