import { Topic } from '@labsync/contracts';
import { TopicNaming, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { startService, type RunningService } from '@labsync/service-runtime';
import { AppProcess, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TestKafkaClients, dropSchemas, freePort, httpJson, serviceTestEnv, sql, uniqueSchema, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import type { Consumer } from 'kafkajs';
import { labAdapterService } from '../lab-adapter.definition';

const SEEDED = ['PH', 'LEAD', 'COPPER', 'ARSENIC', 'NITRATE', 'E-COLI', 'TURBIDITY', 'HARDNESS', 'CHLORINE', 'FLUORIDE', 'PFAS', 'TDS'];
const entry = (name: string) => ({ name, matrix: 'water', unit: 'mg/L', turnaroundHours: 24, priceCents: 1000 });

/** The records of the catalog topic, tombstones included (value null). */
interface CatalogRecord {
  key: string;
  payload: { kind: 'upserted'; entityId: string; entity: { code: string; name: string; active: boolean; updatedAt: string } } | { kind: 'deleted'; entityId: string; detectedBy: string } | null;
}

/**
 * The catalog capture against lab-sim (a process from dist/, its own schema), with the real outbox relay,
 * Kafka and Postgres; one describe per capture mode.
 */
describe.each([['watermark'], ['synthetic-cdc']] as const)('catalog capture, CATALOG_SYNC_CAPTURE=%s (lab-sim in-process, real Postgres and Kafka)', (mode) => {
  const schema = uniqueSchema('cat_cap');
  const labSchema = uniqueSchema('cat_cap_lab');
  const prefix = uniqueTopicPrefix('cat-cap');
  const naming = new TopicNaming(prefix);
  let lab: AppProcess;
  let adapter: RunningService | null = null;
  let env: NodeJS.ProcessEnv;
  let kafka: TestKafkaClients;
  let consumer: Consumer;
  const records: CatalogRecord[] = [];

  const upserts = (code: string) => records.filter((r) => r.key === code && r.payload?.kind === 'upserted');
  const position = async () => (await sql<{ watermark: string | null; rows_read: string; snapshots_completed: string }>(`SELECT * FROM "${schema}".catalog_sync_position WHERE pipeline = 'catalog'`))[0]!;
  const put = async (code: string, body: object, query = '') => {
    const response = await httpJson('PUT', `${lab.url}/sim/catalog/${code}${query}`, body);
    expect([200, 201]).toContain(response.status);
  };
  /** Waits until the capture has read the lab from start to end at least twice more, i.e. saw everything there is now. */
  const twoMoreRuns = async () => {
    const pages = async () => {
      const text = await (await fetch(`${adapter!.url}/metrics`)).text();
      return Number(/^labsync_sync_capture_pages_total\{[^}]*outcome="ok"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = mode === 'watermark' ? await pages() : Number((await position()).snapshots_completed);
    await waitFor(async () => (mode === 'watermark' ? await pages() : Number((await position()).snapshots_completed)) >= before + 2, { timeoutMs: 20_000, what: 'two more capture runs' });
  };
  const startAdapter = async () => {
    adapter = await startService(labAdapterService, env);
  };

  beforeAll(async () => {
    lab = await new AppProcess({ app: 'lab-sim', port: await freePort(), label: `catalog-capture-lab-sim-${mode}`, env: { DATABASE_URL: TEST_DATABASE_URL, DB_SCHEMA: labSchema, LOG_LEVEL: 'warn', DB_POOL_SIZE: '3' } }).start();
    env = serviceTestEnv(
      { schema, topicPrefix: prefix, logLevel: 'error' },
      { LAB_BASE_URL: lab.url, CATALOG_SYNC_CAPTURE: mode, CATALOG_SYNC_INTERVAL_MS: '100', CATALOG_SYNC_PAGE_SIZE: '5' },
    );
    await startAdapter();
    kafka = await TestKafkaClients.connect(createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'catalog-capture-int', topicPrefix: '' }, createLogger('catalog-capture-int', 'warn')), naming);
    consumer = kafka.kafka.consumer({ groupId: naming.group('catalog-capture-reader'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: naming.physical(Topic.catalogEntries), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        records.push({ key: message.key!.toString(), payload: message.value === null ? null : JSON.parse(message.value.toString()).payload });
      },
    });
  }, 90_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await kafka?.close();
    await adapter?.close();
    await lab?.stop();
    await dropSchemas([schema, labSchema]);
  });

  it('loads the seeded catalog once per code', async () => {
    await waitFor(() => SEEDED.every((code) => upserts(code).length > 0), { timeoutMs: 30_000, what: 'every seeded code on the topic' });
    await twoMoreRuns();
    for (const code of SEEDED) expect(upserts(code)).toHaveLength(1);
    expect(records.map((r) => r.key).sort()).toEqual([...SEEDED].sort());
  });

  it('delivers an insert, an update and a retire', async () => {
    await put('NEW-1', entry('New test'));
    await waitFor(() => upserts('NEW-1').length === 1, { timeoutMs: 20_000, what: 'the insert' });
    await put('NEW-1', entry('New test, renamed'));
    await waitFor(() => upserts('NEW-1').length === 2, { timeoutMs: 20_000, what: 'the update' });
    expect(upserts('NEW-1').map((r) => (r.payload as { entity: { name: string } }).entity.name)).toEqual(['New test', 'New test, renamed']);
    expect((await httpJson('POST', `${lab.url}/sim/catalog/PH/retire`)).status).toBe(200);
    await waitFor(() => upserts('PH').length === 2, { timeoutMs: 20_000, what: 'the retire' });
    expect(upserts('PH').map((r) => (r.payload as { entity: { active: boolean } }).entity.active)).toEqual([true, false]);
  });

  it('delivers 25 rows sharing one updatedAt across pages of 5 exactly once each', async () => {
    const stamp = new Date(Date.now() + 60_000).toISOString();
    const codes = Array.from({ length: 25 }, (_, i) => `TIE-${String(i).padStart(2, '0')}`);
    for (const code of codes) await put(code, entry(`Tie ${code}`), `?updatedAt=${encodeURIComponent(stamp)}`);
    await waitFor(() => codes.every((code) => upserts(code).length > 0), { timeoutMs: 30_000, what: 'the 25 tied rows' });
    await twoMoreRuns();
    for (const code of codes) expect(upserts(code)).toHaveLength(1);
    if (mode === 'watermark') expect(JSON.parse((await position()).watermark!)).toEqual({ updatedAt: stamp, key: 'TIE-24' });
  });

  it('publishes nothing on a rerun with nothing changed', async () => {
    await twoMoreRuns();
    const seen = records.length;
    await twoMoreRuns();
    expect(records).toHaveLength(seen);
  });

  it('sets a bad source row aside with its reason and goes on', async () => {
    // Stamps ahead of the tied rows' (the watermark cursor is there): a row stamped behind it is a watermark miss.
    await put('BAD-1', entry('Soon invalid'), `?updatedAt=${encodeURIComponent(new Date(Date.now() + 120_000).toISOString())}`);
    await waitFor(() => upserts('BAD-1').length === 1, { timeoutMs: 20_000, what: 'BAD-1 before it breaks' });
    // lab-sim validates its API; only its table can hold a row the contract refuses (an empty name).
    await sql(`UPDATE "${labSchema}".catalog_tests SET name = '', updated_at = date_trunc('milliseconds', clock_timestamp() + interval '150 seconds') WHERE code = 'BAD-1'`);
    await put('AFTER-BAD', entry('After the bad row'), `?updatedAt=${encodeURIComponent(new Date(Date.now() + 180_000).toISOString())}`);
    await waitFor(() => upserts('AFTER-BAD').length === 1, { timeoutMs: 20_000, what: 'the row after the bad one' });
    const [setAside] = await sql<{ code: string; kind: string; reason: string }>(`SELECT code, kind, reason FROM "${schema}".catalog_sync_set_aside WHERE pipeline = 'catalog'`);
    expect(setAside).toMatchObject({ code: 'BAD-1', kind: 'invalid' });
    expect(setAside!.reason).toMatch(/^name: /);
    expect(upserts('BAD-1')).toHaveLength(1);
  });

  if (mode === 'synthetic-cdc') {
    it('finds a change that did not move updatedAt, and a hard delete (event, then tombstone)', async () => {
      const before = upserts('LEAD').length;
      await put('LEAD', { ...entry('Lead, quietly renamed'), matrix: null }, '?keepUpdatedAt=1');
      await waitFor(() => upserts('LEAD').length === before + 1, { timeoutMs: 20_000, what: 'the quiet change' });
      expect((upserts('LEAD').at(-1)!.payload as { entity: { name: string } }).entity.name).toBe('Lead, quietly renamed');
      expect((await httpJson('DELETE', `${lab.url}/sim/catalog/TDS`)).status).toBe(204);
      await waitFor(() => records.some((r) => r.key === 'TDS' && r.payload === null), { timeoutMs: 20_000, what: 'the tombstone of TDS' });
      const tds = records.filter((r) => r.key === 'TDS');
      expect(tds.at(-2)!.payload).toMatchObject({ kind: 'deleted', entityId: 'TDS', detectedBy: 'synthetic-cdc' });
      expect(tds.at(-1)!.payload).toBeNull();
    });
  }

  it('resumes from the stored position after a restart, without republishing the catalog', async () => {
    await adapter!.close();
    adapter = null;
    const seen = records.length;
    await put('AFTER-RESTART', entry('Added while the capture was down'), `?updatedAt=${encodeURIComponent(new Date(Date.now() + 240_000).toISOString())}`);
    await startAdapter();
    await waitFor(() => upserts('AFTER-RESTART').length === 1, { timeoutMs: 30_000, what: 'the row added during the restart' });
    await twoMoreRuns();
    expect(records.slice(seen).map((r) => r.key)).toEqual(['AFTER-RESTART']);
  });

  it('backs off while lab-sim is unreachable and keeps its position', async () => {
    const from = await position();
    await lab.stop();
    await waitFor(async () => /labsync_sync_capture_pages_total\{[^}]*outcome="unreachable"[^}]*\} [1-9]/m.test(await (await fetch(`${adapter!.url}/metrics`)).text()), { timeoutMs: 20_000, what: 'a failed read of lab-sim' });
    expect((await position()).watermark).toEqual(from.watermark);
  });
});
