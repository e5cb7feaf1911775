import 'reflect-metadata';
import { Topic, defineEntityEvent, entityTopic, type EntityChange } from '@labsync/contracts';
import { Metrics, createLogger } from '@labsync/observability';
import { createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, deleteTestTopics, dropSchemas, sql, uniqueSchema, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import { ConfigResourceTypes, type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import { ConsumerAttempts1734100000000 } from '../consumer/consumer-attempts.migration';
import { DeadLetterPublisher } from '../consumer/dead-letter-publisher';
import { readConsumerDeadLetters } from '../consumer/dead-letter-replay';
import { EventConsumer } from '../consumer/event-consumer';
import { TopicNaming, createIdempotentProducer, createKafka } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/topic-admin';
import { KafkaEventContext, KafkaEventTransport, KafkaTombstoneContext, topicDecorators } from '../nest/kafka-event-transport';
import { MessagingTables1732100000000 } from './messaging-tables.migration';
import { OutboxParking1733100000000 } from './outbox-parking.migration';
import { OutboxRelay } from './outbox-relay';
import { OutboxWriter } from './outbox-writer';

/** An entity topic of this test only: no production entity topic is registered yet. */
const CatalogEntryChanged = defineEntityEvent({
  type: 'test.catalog-entry.changed',
  version: 1,
  description: 'A test catalog entry as the lab holds it, or its deletion.',
  entity: z.object({ code: z.string(), name: z.string() }),
  deletion: { deletedBy: z.string().min(1) },
});
const CATALOG = 'labsync.test.catalog-entries.v1';
const TEST_TOPICS = { [CATALOG]: entityTopic(CatalogEntryChanged, { partitions: 6, description: 'Test catalog entries (this test only).' }) } as const;
const { ConsumeEvent, ConsumeTombstone } = topicDecorators<typeof TEST_TOPICS>();

class CatalogCopies1735000000101 implements MigrationInterface {
  name = 'CatalogCopies1735000000101';
  async up(queryRunner: QueryRunner) {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE TABLE "${schema}".catalog_copies (code text PRIMARY KEY, name text NOT NULL)`);
    await queryRunner.query(`CREATE TABLE "${schema}".catalog_seen (id bigserial PRIMARY KEY, code text NOT NULL, what text NOT NULL)`);
  }
  async down() {}
}

interface RawRecord {
  partition: number;
  offset: bigint;
  key: string;
  value: { eventId: string; payload: { kind: string; deletedBy?: string } } | null;
  headers: Record<string, string>;
}

/** Deletes on an entity stream: a typed delete event, then a tombstone, through the outbox (real Kafka, real Postgres). */
describe('entity deletes: typed delete event plus tombstone', () => {
  const logger = createLogger('entity-deletes-int', 'fatal');
  const metrics = new Metrics('entity-deletes-int');
  const schema = uniqueSchema('entitydel');
  const prefix = uniqueTopicPrefix('entitydel');
  const naming = new TopicNaming(prefix);
  const outbox = new OutboxWriter(schema, 'entity-deletes-int', undefined, TEST_TOPICS);
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let relay: OutboxRelay;
  let transport: KafkaEventTransport;
  let rawReader: Consumer;
  const raw: RawRecord[] = [];

  /** The consumer side, as an app writes it: one typed handler for the union, one for tombstones. */
  class CatalogCopyController {
    @ConsumeEvent(CATALOG)
    async onChange(change: EntityChange<typeof CatalogEntryChanged>, ctx: KafkaEventContext): Promise<void> {
      switch (change.kind) {
        case 'upserted':
          await ctx.manager.query(`INSERT INTO "${schema}".catalog_copies (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name`, [change.entityId, change.entity.name]);
          await ctx.manager.query(`INSERT INTO "${schema}".catalog_seen (code, what) VALUES ($1, 'upserted')`, [change.entityId]);
          return;
        case 'deleted':
          await ctx.manager.query(`INSERT INTO "${schema}".catalog_seen (code, what) VALUES ($1, $2)`, [change.entityId, `deleted by ${change.deletedBy} at ${change.deletedAt}`]);
          return;
      }
    }

    @ConsumeTombstone(CATALOG)
    async onGone(key: string, ctx: KafkaTombstoneContext): Promise<void> {
      await ctx.manager.query(`DELETE FROM "${schema}".catalog_copies WHERE code = $1`, [key]);
      await ctx.manager.query(`INSERT INTO "${schema}".catalog_seen (code, what) VALUES ($1, 'tombstone')`, [ctx.key]);
    }
  }

  /** Hands the decorated methods to the transport the way Nest's listener explorer does (pattern metadata). */
  function register(controller: object): void {
    const proto = Object.getPrototypeOf(controller) as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const method = proto[name];
      const [pattern] = (typeof method === 'function' ? (Reflect.getMetadata('microservices:pattern', method) as string[] | undefined) : undefined) ?? [];
      if (pattern) transport.addHandler(pattern, async (...args: unknown[]) => (method as (...a: unknown[]) => unknown).apply(controller, args), true);
    }
  }

  const seen = async (code: string) => (await sql<{ what: string }>(`SELECT what FROM "${schema}".catalog_seen WHERE code = $1 ORDER BY id`, [code])).map((r) => r.what);
  const copies = async () => (await sql<{ code: string }>(`SELECT code FROM "${schema}".catalog_copies ORDER BY code`)).map((r) => r.code);
  const rawOf = (key: string) => raw.filter((r) => r.key === key).sort((a, b) => (a.offset < b.offset ? -1 : 1));

  beforeAll(async () => {
    dataSource = createAppDataSource({
      url: TEST_DATABASE_URL,
      schema,
      entities: [],
      migrations: [MessagingTables1732100000000, OutboxParking1733100000000, ConsumerAttempts1734100000000, CatalogCopies1735000000101],
    });
    await initializeAndMigrate(dataSource);
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'entity-deletes-int', topicPrefix: '' }, logger);
    await ensureTopics(kafka, naming, undefined, 1, undefined, TEST_TOPICS);
    await ensureTopics(kafka, naming, [Topic.deadLetter]);
    admin = kafka.admin();
    await admin.connect();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    rawReader = kafka.consumer({ groupId: naming.group('raw-reader'), maxWaitTimeInMs: 100 });
    await rawReader.connect();
    await rawReader.subscribe({ topic: naming.physical(CATALOG), fromBeginning: true });
    await rawReader.run({
      eachMessage: async ({ partition, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        raw.push({ partition, offset: BigInt(message.offset), key: message.key!.toString(), value: message.value ? JSON.parse(message.value.toString()) : null, headers });
      },
    });
    transport = new KafkaEventTransport(
      (handlers, tombstoneHandlers) =>
        new EventConsumer({
          kafka,
          naming,
          groupId: 'catalog-copy',
          dataSource,
          schema,
          handlers,
          tombstoneHandlers,
          registry: TEST_TOPICS,
          deadLetters: new DeadLetterPublisher(producer, naming, 'catalog-copy', logger, metrics),
          logger,
          metrics,
          retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
        }),
    );
    register(new CatalogCopyController());
    await new Promise<void>((resolve, reject) => void transport.listen((error?: unknown) => (error ? reject(error) : resolve())));
    relay = new OutboxRelay({ databaseUrl: TEST_DATABASE_URL, schema, kafka, naming, logger, metrics });
    relay.start();
  });

  afterAll(async () => {
    await relay?.stop();
    await transport?.close();
    await rawReader?.disconnect();
    await producer?.disconnect();
    await deleteTestTopics(admin, prefix);
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('publishes the delete event and then a tombstone under the entity id, in order on one partition; the consumer sees both', async () => {
    const meta = { correlationId: 'catalog-sync-run-1' };
    await dataSource.transaction(async (manager) => {
      await outbox.addEntityUpsert(manager, CATALOG, 'PH', { code: 'PH', name: 'pH value' }, meta);
      await outbox.addEntityUpsert(manager, CATALOG, 'NO3', { code: 'NO3', name: 'Nitrate' }, meta);
    });
    await waitFor(async () => (await copies()).length === 2, { what: 'both catalog entries copied' });
    const deletedAt = '2026-12-02T10:00:00.000Z';
    const deleteEvent = await dataSource.transaction((manager) => outbox.addEntityDeletion(manager, CATALOG, { entityId: 'PH', deletedAt, deletedBy: 'lab-admin' }, meta));

    await waitFor(async () => (await seen('PH')).includes('tombstone'), { what: 'the tombstone handled' });
    expect(await seen('PH')).toEqual(['upserted', `deleted by lab-admin at ${deletedAt}`, 'tombstone']);
    expect(await copies()).toEqual(['NO3']);

    await waitFor(async () => rawOf('PH').length === 3, { what: 'three records under PH on the topic' });
    const records = rawOf('PH');
    // Keyed by entity id, every record of the entity on one partition: compaction keeps only the tombstone.
    expect(new Set(records.map((r) => r.partition)).size).toBe(1);
    expect(records.map((r) => r.value?.payload.kind ?? null)).toEqual(['upserted', 'deleted', null]);
    expect(records[1]!.value!.eventId).toBe(deleteEvent.eventId);
    expect(records[2]!.headers).toMatchObject({ 'x-correlation-id': 'catalog-sync-run-1', 'x-causation-id': deleteEvent.eventId, 'x-source-system': 'entity-deletes-int' });

    const { entries } = await readConsumerDeadLetters(kafka, naming);
    expect(entries.filter((e) => e.payload.originalTopic === CATALOG)).toEqual([]);
    expect(Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox`))[0]!.n)).toBe(0);
  });

  it('creates the entity topic compacted, and refuses a delete event that lacks the topic\'s deletion fields', async () => {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: naming.physical(CATALOG), configNames: ['cleanup.policy'] }] });
    expect(described.resources[0]!.configEntries.map((c) => c.configValue)).toEqual(['compact']);
    expect(() =>
      // @ts-expect-error the deletion fields of this topic are typed: deletedBy is required
      outbox.prepareEntityDeletion(CATALOG, { entityId: 'NO3', deletedAt: new Date().toISOString() }, { correlationId: 'c' }),
    ).toThrow(/deletedBy/);
  });
});
