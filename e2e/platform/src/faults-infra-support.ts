import { figureLogger, metricSum } from './fault-measures';
import { TEST_DATABASE_URL, httpJson, sql } from '@labsync/testing';
import { Client } from 'pg';
import type { AppProcess } from '@labsync/testing';
import type { AcknowledgedRequest, LabOrder } from './flow-checks';

/**
 * What the infrastructure fault specs need beyond the PlatformStack, FlowDriver and the harness's
 * PrivateKafkaBroker (the broker they may stop, never the shared one): cutting a stack's database
 * connections, checks that nothing was applied twice inside the tracker, and one log line per figure.
 */

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
