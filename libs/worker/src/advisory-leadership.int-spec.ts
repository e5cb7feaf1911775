import { createLogger } from '@labsync/observability';
import { TEST_DATABASE_URL, sql, waitFor } from '@labsync/testing';
import { randomUUID } from 'node:crypto';
import { AdvisoryLeadership } from './advisory-leadership';
import { WorkerLoop } from './worker-loop';

const log = createLogger('advisory-leadership-spec', 'silent');

/** A replica of one job: a loop that runs only while it holds the lock, counting its runs and leadership terms. */
function replica(lockKey: string, applicationName: string) {
  const state = { runs: 0, leading: false, terms: 0, runsWithoutClient: 0 };
  const lock = new AdvisoryLeadership({
    databaseUrl: TEST_DATABASE_URL,
    lockKey,
    applicationName,
    log,
    onChange: (leading) => {
      state.leading = leading;
      if (leading) state.terms++;
    },
  });
  const loop = new WorkerLoop({
    name: applicationName,
    run: async ({ leaderClient }) => {
      if (!leaderClient) state.runsWithoutClient++;
      state.runs++;
      return { waitMs: 20 };
    },
    idleRecheckMs: 20,
    backoff: { baseMs: 20, maxMs: 100, jitter: 'equal' },
    leadership: { lock, standbyMs: 20 },
    onFailure: () => undefined,
    log,
  });
  return { state, lock, loop };
}

/** Sessions of these applications holding an advisory lock. */
async function lockHolders(...applications: string[]): Promise<string[]> {
  const rows = await sql<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = ANY($1)`,
    [applications],
  );
  return rows.map((r) => r.application_name);
}

const terminate = (application: string) => sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [application]);

describe('AdvisoryLeadership with WorkerLoops (real Postgres)', () => {
  const app = `wl-${randomUUID().slice(0, 8)}`;
  const loops: WorkerLoop[] = [];
  afterAll(async () => {
    await Promise.all(loops.map((l) => l.stop()));
  });

  it('lets exactly one of two instances run, and hands over when the leader stops', async () => {
    const lockKey = `worker-spec:${randomUUID()}`;
    const a = replica(lockKey, `${app}-a`);
    const b = replica(lockKey, `${app}-b`);
    loops.push(a.loop, b.loop);
    a.loop.start();
    await waitFor(() => a.state.leading && a.state.runs > 0, { what: 'a leads' });
    b.loop.start();
    const aRuns = a.state.runs;
    await waitFor(() => a.state.runs > aRuns + 5, { what: 'a keeps running' });
    expect(b.state.runs).toBe(0);
    expect(b.state.leading).toBe(false);
    expect(await lockHolders(`${app}-a`, `${app}-b`)).toEqual([`${app}-a`]);

    await a.loop.stop();
    expect(a.state.leading).toBe(false);
    await waitFor(() => b.state.leading && b.state.runs > 0, { what: 'b takes over' });
    expect(await lockHolders(`${app}-a`, `${app}-b`)).toEqual([`${app}-b`]);
    expect(a.state.runsWithoutClient + b.state.runsWithoutClient).toBe(0);
  });

  it('takes the lock again on a new connection after its session was killed', async () => {
    const c = replica(`worker-spec:${randomUUID()}`, `${app}-c`);
    loops.push(c.loop);
    c.loop.start();
    await waitFor(() => c.state.leading && c.state.runs > 0, { what: 'c leads' });
    expect(c.state.terms).toBe(1);

    await terminate(`${app}-c`);
    await waitFor(() => c.state.terms === 2 && c.state.leading, { what: 'c leads again' });
    const runs = c.state.runs;
    await waitFor(() => c.state.runs > runs, { what: 'c runs again' });
    expect(await lockHolders(`${app}-c`)).toEqual([`${app}-c`]);
  });
});
