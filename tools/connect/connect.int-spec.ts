import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { KafkaConnectWorker, PrivatePostgresCluster, TEST_KAFKA_BROKERS, deleteTestTopics, sql, uniqueSuffix, uniqueTopicPrefix, waitFor } from '@labsync/testing';

/** A Debezium change event's value with schemas disabled (the worker's JsonConverter setting). */
interface ChangeEvent {
  op: 'r' | 'c' | 'u' | 'd';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { table: string; snapshot: string };
}
interface ReadRecord {
  key: unknown;
  value: ChangeEvent | null;
}

const parse = (bytes: Buffer | null): unknown => (bytes === null ? null : JSON.parse(bytes.toString()));
const residentMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * The `cdc` capture mode's tooling end to end: tools/postgres starts a private wal_level=logical cluster,
 * tools/connect a Kafka Connect worker (distributed mode, shared broker) with Debezium's PostgreSQL connector,
 * and the change events of a REPLICA IDENTITY FULL table arrive in Kafka: snapshot, insert, update, delete
 * and its tombstone.
 */
describe('Kafka Connect + Debezium on a private wal_level=logical cluster (tools/connect, tools/postgres)', () => {
  const prefix = uniqueTopicPrefix('connect-probe');
  const suffix = uniqueSuffix();
  const cluster = new PrivatePostgresCluster('connect-probe');
  const worker = new KafkaConnectWorker(`${prefix}connect`, TEST_KAFKA_BROKERS, 'connect-probe');
  const connector = `${prefix}catalog-cdc`;
  const slot = `labsync_probe_${suffix}`;
  const topicPrefix = `${prefix}cdc`;
  const changeTopic = `${topicPrefix}.public.test_catalog`;
  const kafka = new Kafka({ clientId: 'connect-probe', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const records: ReadRecord[] = [];
  const figures: Record<string, number> = {};
  let admin: Admin | undefined;
  let consumer: Consumer | undefined;
  let sourceUrl = '';

  beforeAll(async () => {
    admin = kafka.admin();
    const t0 = Date.now();
    // Connect's JVM start dominates; the cluster starts meanwhile.
    await Promise.all([
      cluster.start('lab_sim'),
      worker.start().then(() => (figures['connectStartMs'] = Date.now() - t0)),
      admin.connect(),
    ]);
    sourceUrl = cluster.url('lab_sim');
  }, 180_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await worker.deleteConnector(connector).catch(() => undefined);
    await worker.destroy();
    if (sourceUrl) {
      // the connector's task lets go of its slot as it stops; only an inactive slot can be dropped
      await waitFor(async () => (await sql(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active`, [slot], sourceUrl)).length === 0, { timeoutMs: 30_000, what: `slot ${slot} to be released` }).catch(() => undefined);
      await sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [slot], sourceUrl).catch(() => undefined);
    }
    await cluster.destroy();
    await deleteTestTopics(admin, prefix);
  }, 120_000);

  const events = (op: ChangeEvent['op']) => records.filter((r) => r.value?.op === op);

  it('streams the snapshot, inserts, updates (with before), deletes and tombstones of a REPLICA IDENTITY FULL table', async () => {
    expect((await sql<{ wal_level: string }>('SHOW wal_level', [], sourceUrl))[0]!.wal_level).toBe('logical');
    await sql(
      `CREATE TABLE test_catalog (code text PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL);
       ALTER TABLE test_catalog REPLICA IDENTITY FULL;
       CREATE TABLE not_captured (id int PRIMARY KEY);
       INSERT INTO test_catalog VALUES ('GLU', 'Glucose', 12.50);`,
      [],
      sourceUrl,
    );

    const registered = Date.now();
    await worker.putConnector(connector, {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': '127.0.0.1',
      'database.port': cluster.listeningPort,
      'database.user': 'postgres',
      'database.dbname': 'lab_sim',
      'topic.prefix': topicPrefix,
      'topic.heartbeat.prefix': `${prefix}heartbeat`,
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'publication.name': `labsync_probe_${suffix}`,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.test_catalog',
      'heartbeat.interval.ms': 1000,
      'decimal.handling.mode': 'string',
      'poll.interval.ms': 100,
      'snapshot.mode': 'initial',
      // the broker does not auto-create topics: Connect creates the connector's (KIP-158)
      'topic.creation.default.replication.factor': 1,
      'topic.creation.default.partitions': 1,
    });
    await worker.waitUntilRunning(connector);

    // The change topic exists once the snapshot wrote to it; subscribe from its start.
    await waitFor(async () => (await admin!.listTopics()).includes(changeTopic), { timeoutMs: 60_000, what: `topic ${changeTopic}` });
    consumer = kafka.consumer({ groupId: `${prefix}reader`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: changeTopic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void records.push({ key: parse(message.key), value: parse(message.value) as ChangeEvent | null }) });

    await waitFor(() => events('r').length === 1, { timeoutMs: 60_000, what: 'the snapshot event of GLU' });
    figures['firstEventAfterRegistrationMs'] = Date.now() - registered;
    expect(events('r')[0]).toEqual({ key: { code: 'GLU' }, value: expect.objectContaining({ before: null, after: { code: 'GLU', name: 'Glucose', price: '12.50' } }) });

    // streaming: Debezium starts reading the slot after the snapshot; a change committed now is not lost either way
    const inserted = Date.now();
    await sql(`INSERT INTO test_catalog VALUES ('HBA1C', 'HbA1c', 30.00); INSERT INTO not_captured VALUES (1);`, [], sourceUrl);
    await waitFor(() => events('c').length === 1, { timeoutMs: 30_000, what: 'the insert event of HBA1C' });
    figures['insertToEventMs'] = Date.now() - inserted;
    expect(events('c')[0]).toEqual({ key: { code: 'HBA1C' }, value: expect.objectContaining({ before: null, after: { code: 'HBA1C', name: 'HbA1c', price: '30.00' } }) });

    await sql(`UPDATE test_catalog SET name = 'Glucose (fasting)', price = 13.75 WHERE code = 'GLU'`, [], sourceUrl);
    await waitFor(() => events('u').length === 1, { timeoutMs: 30_000, what: 'the update event of GLU' });
    // REPLICA IDENTITY FULL: the old row comes along, so a consumer can tell what changed
    expect(events('u')[0]).toEqual({
      key: { code: 'GLU' },
      value: expect.objectContaining({ before: { code: 'GLU', name: 'Glucose', price: '12.50' }, after: { code: 'GLU', name: 'Glucose (fasting)', price: '13.75' } }),
    });

    await sql(`DELETE FROM test_catalog WHERE code = 'HBA1C'`, [], sourceUrl);
    await waitFor(() => records.some((r) => r.value === null), { timeoutMs: 30_000, what: 'the tombstone of HBA1C' });
    const deleteAt = records.findIndex((r) => r.value?.op === 'd');
    expect(records[deleteAt]).toEqual({ key: { code: 'HBA1C' }, value: expect.objectContaining({ before: { code: 'HBA1C', name: 'HbA1c', price: '30.00' }, after: null }) });
    expect(records[deleteAt + 1]).toEqual({ key: { code: 'HBA1C' }, value: null });
    expect(records.map((r) => r.value?.op ?? 'tombstone')).toEqual(['r', 'c', 'u', 'd', 'tombstone']);

    // filtered publication: only the captured table is published; heartbeats flow so an idle table does not pin WAL
    expect(await sql(`SELECT tablename FROM pg_publication_tables WHERE pubname = $1`, [`labsync_probe_${suffix}`], sourceUrl)).toEqual([{ tablename: 'test_catalog' }]);
    await waitFor(async () => (await admin!.listTopics()).includes(`${prefix}heartbeat.${topicPrefix}`), { timeoutMs: 30_000, what: 'the heartbeat topic' });
    expect(await sql(`SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1 AND plugin = 'pgoutput'`, [slot], sourceUrl)).toHaveLength(1);

    figures['connectRssMb'] = Math.round(residentMb(worker.pid()!));
  }, 150_000);

  it('keeps the connector across a worker restart (distributed mode) and streams what was committed while it was down', async () => {
    await worker.stop();
    // the slot holds this change until the connector reads it again
    await sql(`INSERT INTO test_catalog VALUES ('CRP', 'C-reactive protein', 8.10)`, [], sourceUrl);
    const restarted = Date.now();
    await worker.start();
    figures['connectRestartMs'] = Date.now() - restarted;
    // registered over REST before the restart: the config topic brought it back
    await worker.waitUntilRunning(connector);
    await waitFor(() => records.some((r) => r.value?.op === 'c' && r.value.after?.['code'] === 'CRP'), { timeoutMs: 60_000, what: 'the insert of CRP made while Connect was down' });
    expect(records.find((r) => r.value?.after?.['code'] === 'CRP')?.value?.after).toEqual({ code: 'CRP', name: 'C-reactive protein', price: '8.10' });
    console.log(`connect probe figures: ${JSON.stringify(figures)}`);
  }, 150_000);
});
