import { figureLogger, metricSum } from './fault-measures';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_DATABASE_URL, httpJson, sql } from '@labsync/testing';
import { Client } from 'pg';
import type { AppProcess } from '@labsync/testing';
import type { AcknowledgedRequest, LabOrder } from './flow-checks';

/**
 * What the infrastructure fault specs need beyond the PlatformStack and FlowDriver: a private Kafka broker
 * they may stop (never the shared one), cutting a stack's database connections, checks that nothing was
 * applied twice inside the tracker, and one log line per measured figure.
 */

const KAFKA_CLI = resolve(__dirname, '../../../tools/kafka/kafka.mjs');

/** Ports nothing listens on right now (the OS picks them; a tiny race with other processes is accepted). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

/**
 * A single-node broker of the suite's own (tools/kafka/kafka.mjs with --run-dir), on free ports, with its
 * data in a temporary directory that survives stop/start (so a restart finds its topics and offsets).
 * Driven through the CLI: Jest's CommonJS runtime cannot load the .mjs module itself.
 */
export class PrivateKafkaBroker {
  readonly runDir = mkdtempSync(join(tmpdir(), 'labsync-fault-kafka-'));
  private ports: [number, number] | null = null;

  get brokers(): string {
    if (!this.ports) throw new Error('the private broker has no ports yet: start() it first');
    return `127.0.0.1:${this.ports[0]}`;
  }

  get port(): number {
    if (!this.ports) throw new Error('the private broker has no ports yet: start() it first');
    return this.ports[0];
  }

  async start(): Promise<void> {
    this.ports ??= (await freePorts(2)) as [number, number];
    await this.cli('start', '--port', String(this.ports[0]), '--controller-port', String(this.ports[1]));
  }

  /** SIGTERM (a clean broker shutdown); `kill` for SIGKILL. The data stays for the next start(). */
  async stop(kill = false): Promise<void> {
    await this.cli('stop', ...(kill ? ['--kill'] : []));
  }

  /** Stops it for good and deletes its data. */
  async destroy(): Promise<void> {
    await this.cli('stop', '--kill').catch(() => undefined);
    rmSync(this.runDir, { recursive: true, force: true });
  }

  private cli(command: string, ...args: string[]): Promise<string> {
    return new Promise((done, fail) => {
      execFile(process.execPath, [KAFKA_CLI, command, '--run-dir', this.runDir, ...args], { timeout: 150_000 }, (error, stdout, stderr) => {
        if (error) fail(new Error(`kafka.mjs ${command} --run-dir ${this.runDir} failed: ${error.message}\n${stdout}${stderr}`));
        else done(stdout);
      });
    });
  }
}

/** The application_name each process's connections carry (PlatformStack's databaseUrlFor). */
export function applicationNameOf(app: AppProcess): string {
  const url = new URL(app.options.env['DATABASE_URL']!);
  const name = url.searchParams.get('application_name');
  if (!name) throw new Error(`${app.options.app} has no application_name in its DATABASE_URL`);
  return name;
}

/**
 * Terminates every backend of the given processes (pg_terminate_backend by application_name), every
 * `everyMs` for `forMs`: the apps see their pool connections, outbox relay and LISTEN connections die, and
 * the new ones they open die too until the cut ends. Postgres itself keeps running for the other suites.
 */
export async function cutDatabaseConnections(apps: AppProcess[], forMs: number, everyMs = 250): Promise<{ rounds: number; terminated: number }> {
  const names = apps.map(applicationNameOf);
  const admin = new Client({ connectionString: TEST_DATABASE_URL, application_name: 'labsync-fault-test' });
  await admin.connect();
  let rounds = 0;
  let terminated = 0;
  try {
    const until = Date.now() + forMs;
    while (Date.now() < until) {
      // Two statements on purpose: in one WHERE clause the planner may call pg_terminate_backend before the
      // application_name filter, which would cut every suite's connections (and this one).
      const { rows: targets } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = ANY($1::text[]) AND pid <> pg_backend_pid()`,
        [names],
      );
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM unnest($1::int[]) AS pid WHERE pg_terminate_backend(pid)`,
        [targets.map((t) => t.pid)],
      );
      rounds += 1;
      terminated += rows.length;
      // the cadence of the cut, not a wait for a result
      await new Promise((done) => setTimeout(done, everyMs));
    }
  } finally {
    await admin.end();
  }
  return { rounds, terminated };
}

/** How many backends the given processes hold right now. */
export async function connectionsOf(apps: AppProcess[]): Promise<number> {
  const rows = await sql<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ANY($1::text[])`, [apps.map(applicationNameOf)]);
  return Number(rows[0]!.n);
}

/**
 * Inside the tracker: for each request, the timeline holds each status once and the results each lab result
 * once (a redelivered or twice-consumed event applied twice would show here before it reaches a portal).
 */
export async function trackerDuplicates(trackerSchema: string, requests: AcknowledgedRequest[]): Promise<string[]> {
  const rows = await sql<{ correlation_id: string; timeline_entries: number; timeline_statuses: number; results: number; distinct_results: number }>(
    `SELECT correlation_id,
            jsonb_array_length(timeline) AS timeline_entries,
            (SELECT count(DISTINCT e->>'status') FROM jsonb_array_elements(timeline) e)::int AS timeline_statuses,
            jsonb_array_length(results) AS results,
            (SELECT count(DISTINCT (r->>'sampleId', r->>'testCode', r->>'resultStatus')) FROM jsonb_array_elements(results) r)::int AS distinct_results
       FROM "${trackerSchema}".correlations WHERE correlation_id = ANY($1::text[])`,
    [requests.map((r) => r.correlationId)],
  );
  const problems: string[] = [];
  if (rows.length !== requests.length) problems.push(`the tracker knows ${rows.length} of ${requests.length} requests`);
  for (const row of rows) {
    if (row.timeline_entries !== row.timeline_statuses) problems.push(`${row.correlation_id}: ${row.timeline_entries} timeline entries for ${row.timeline_statuses} statuses`);
    if (row.results !== row.distinct_results) problems.push(`${row.correlation_id}: ${row.results} results for ${row.distinct_results} distinct lab results`);
  }
  return problems;
}

/** Lab orders that were POSTed more than once (the lab deduped them by externalRef): what a crash cost the lab. */
export function repostedOrders(orders: LabOrder[]): number {
  return orders.filter((o) => o.postCount > 1).length;
}

/** 200 from every process's liveness probe: they kept running through the fault. */
export async function allLive(apps: AppProcess[]): Promise<boolean> {
  const answers = await Promise.all(apps.map((a) => httpJson('GET', `${a.url}/health/live`).then((r) => r.status, () => 0)));
  return answers.every((status) => status === 200);
}

export { faultTimer, secondsSince } from './fault-measures';

/** One line per measured figure, so a run's log shows what each fault cost and how fast the platform recovered. */
export const report = figureLogger('infra faults');

/** Sum of a counter's samples on a process's `/metrics` whose labels include `labels` (0 when unreachable). */
export const counterSum = (app: AppProcess, name: string, labels: Record<string, string> = {}): Promise<number> =>
  metricSum(app.url, name, labels).catch(() => 0);

/**
 * Partners' requests in flight at once in these specs: enough to keep the pipeline busy, few enough that a
 * portal-adapter with a small pool on a loaded 2-core machine does not time out waiting for a connection.
 */
export const SUBMIT_CONCURRENCY = 16;
