import { randomUUID } from 'node:crypto';
import { MessagingTables1732100000000, OutboxChannel1734000000000, OutboxParking1733100000000 } from '@labsync/messaging';
import { RetentionPruner, createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, dropSchemas, sql, uniqueSchema } from '@labsync/testing';
import type { DataSource } from 'typeorm';
import { LabAdapterTables1732400000000 } from '../database/lab-adapter-tables.migration';
import { LabResultAdmission1733600000000 } from '../database/lab-result-admission.migration';
import { labInboxRetention } from './lab-inbox-retention';

const DAY_MS = 86_400_000;

describe('lab_inbox retention (real Postgres)', () => {
  const schema = uniqueSchema('inbox_retention');
  let dataSource: DataSource;

  const ago = (days: number) => `now() - make_interval(days => ${days})`;
  /** One lab order with one processed and one pending inbox row; its request in `status` since `sinceDays`. */
  const order = async (labOrderId: string, status: string, sinceDays: number, processedDaysAgo: number) => {
    const correlationId = randomUUID();
    await sql(`INSERT INTO "${schema}".lab_orders (lab_order_id, correlation_id) VALUES ($1, $2)`, [labOrderId, correlationId]);
    await sql(`INSERT INTO "${schema}".lab_correlation_status (correlation_id, status, version, updated_at) VALUES ($1, $2, 9, ${ago(sinceDays)})`, [correlationId, status]);
    await sql(`INSERT INTO "${schema}".lab_inbox (event_id, lab_order_id, type, body, processed_at) VALUES ($1, $2, 'result.reported', '{}', ${ago(processedDaysAgo)})`, [randomUUID(), labOrderId]);
    await sql(`INSERT INTO "${schema}".lab_inbox (event_id, lab_order_id, type, body) VALUES ($1, $2, 'result.reported', '{}')`, [randomUUID(), labOrderId]);
  };
  const remaining = async () =>
    (await sql<{ lab_order_id: string; pending: boolean }>(`SELECT lab_order_id, processed_at IS NULL AS pending FROM "${schema}".lab_inbox ORDER BY lab_order_id, pending`)).map((r) => `${r.lab_order_id}:${r.pending ? 'pending' : 'processed'}`);

  beforeAll(async () => {
    dataSource = createAppDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [MessagingTables1732100000000, OutboxParking1733100000000, OutboxChannel1734000000000, LabAdapterTables1732400000000, LabResultAdmission1733600000000] });
    await initializeAndMigrate(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('deletes processed rows of requests DELIVERED longer than LAB_INBOX_RETENTION_MS, keeps open, recent and pending ones', async () => {
    await order('LO-delivered-long-ago', 'DELIVERED', 40, 41);
    await order('LO-delivered-recently', 'DELIVERED', 2, 41);
    await order('LO-still-open', 'IN_PROGRESS', 40, 41);
    const rules = labInboxRetention({ LAB_INBOX_RETENTION_MS: String(30 * DAY_MS) }, schema);
    const pruner = new RetentionPruner({ dataSource, schema, rules, intervalMs: 60000, batchSize: 1000, onPruned: () => undefined, log: { warn: () => undefined, info: () => undefined } });
    expect(await pruner.pruneOnce()).toEqual({ lab_inbox: 1 });
    expect(await remaining()).toEqual([
      'LO-delivered-long-ago:pending',
      'LO-delivered-recently:processed',
      'LO-delivered-recently:pending',
      'LO-still-open:processed',
      'LO-still-open:pending',
    ]);
  });

  it('refuses a retention shorter than a day, naming the variable', () => {
    expect(() => labInboxRetention({ LAB_INBOX_RETENTION_MS: '1000' }, schema)).toThrow(/LAB_INBOX_RETENTION_MS/);
  });
});
