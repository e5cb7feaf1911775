import { Metrics } from '@labsync/observability';
import { TEST_DATABASE_URL, dropSchemas, sql, uniqueSchema, waitFor } from '@labsync/testing';
import type { DataSource } from 'typeorm';
import { createAppDataSource, initializeAndMigrate } from '../data-source';
import { RetentionPruner } from './retention-pruner';
import { olderThan } from './retention-rule';

/** The pruner as the runtime starts it: a WorkerLoop pass every interval, stopped cleanly (real Postgres). */
describe('RetentionPruner on the worker loop', () => {
  const schema = uniqueSchema('pruneloop');
  const log = { warn: () => undefined, info: () => undefined };
  let dataSource: DataSource;
  const remaining = async () => (await sql<{ id: number }>(`SELECT id FROM "${schema}".bookkeeping ORDER BY id`)).map((r) => r.id);
  const insert = (id: number, ageMs: number) =>
    sql(`INSERT INTO "${schema}".bookkeeping (id, recorded_at) VALUES ($1, now() - make_interval(secs => $2::double precision / 1000))`, [id, ageMs]);

  beforeAll(async () => {
    dataSource = createAppDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [] });
    await initializeAndMigrate(dataSource);
    await sql(`CREATE TABLE "${schema}".bookkeeping (id int PRIMARY KEY, recorded_at timestamptz NOT NULL)`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('prunes expired rows on every pass once started, keeps recent ones, counts its runs, and stops cleanly', async () => {
    const metrics = new Metrics('retention-loop-int');
    const pruned: [string, number][] = [];
    const pruner = new RetentionPruner({
      dataSource,
      schema,
      rules: [olderThan(schema, 'bookkeeping', 'recorded_at', 60_000)],
      intervalMs: 50,
      batchSize: 2,
      onPruned: (table, rows) => pruned.push([table, rows]),
      log,
      metrics,
    });
    for (const id of [1, 2, 3]) await insert(id, 120_000);
    await insert(4, 1_000);
    pruner.start();
    try {
      await waitFor(async () => (await remaining()).length === 1, { what: 'the first pass to prune the expired rows' });
      expect(await remaining()).toEqual([4]);
      // A later pass finds what expired since.
      await insert(5, 120_000);
      await waitFor(async () => !(await remaining()).includes(5), { what: 'a later pass to prune the new expired row' });
    } finally {
      await pruner.stop();
    }
    expect(await remaining()).toEqual([4]);
    expect(pruned.reduce((n, [, rows]) => n + rows, 0)).toBe(4);
    expect(await metrics.registry.getSingleMetricAsString('labsync_worker_runs_total')).toMatch(/worker="retention",outcome="ok"[^\n]* [1-9]/);
  });
});
