import { randomUUID } from 'node:crypto';
import { HEADERS, Topic, createEnvelope } from '@labsync/contracts';
import { Metrics, createLogger } from '@labsync/observability';
import { RetentionPruner, createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, sql, uniqueSchema, uniqueTopicPrefix, waitFor, requestSubmittedPayload as submitted, testTableMigration } from '@labsync/testing';
import { eventConsumerUnderTest } from '../../test/event-consumer-under-test';
import type { Kafka, Producer } from 'kafkajs';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { TopicNaming, createIdempotentProducer, createKafka } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/topic-admin';
import { MessagingTables1732100000000 } from '../outbox/messaging-tables.migration';
import { ConsumerAttempts1734100000000 } from './consumer-attempts.migration';
import { EventConsumer } from './event-consumer';
import { DEFAULT_PROCESSED_EVENTS_RETENTION_MS, processedEventsRetention } from './processed-events-retention';
import { ProcessedEventsRetention1734200000000 } from './processed-events-retention.migration';

const EffectsTable1734100000001 = testTableMigration('EffectsTable1734100000001', (s) => [`CREATE TABLE "${s}".effects (event_id uuid NOT NULL, correlation_id text NOT NULL)`]);

const DAY_MS = 86_400_000;
const GROUP = 'retention-int';

describe('processed_events retention (real Postgres, real Kafka)', () => {
  const logger = createLogger('retention-int', 'warn');
  const metrics = new Metrics('retention-int');
  const schema = uniqueSchema('retention');
  const naming = new TopicNaming(uniqueTopicPrefix('retention'));
  const oldIds = [randomUUID(), randomUUID(), randomUUID()];
  const recentIds = [randomUUID(), randomUUID()];
  let dataSource: DataSource;
  let kafka: Kafka;
  let producer: Producer;
  let consumer: EventConsumer | null = null;

  const pruner = (pruned: [string, number][] = []) =>
    new RetentionPruner({
      dataSource,
      schema,
      rules: [processedEventsRetention(schema, DEFAULT_PROCESSED_EVENTS_RETENTION_MS)],
      intervalMs: 60000,
      batchSize: 2,
      onPruned: (table, rows) => pruned.push([table, rows]),
      log: logger,
    });
  const processedIds = async () => (await sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".processed_events ORDER BY event_id`)).map((r) => r.event_id);

  beforeAll(async () => {
    dataSource = createAppDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [MessagingTables1732100000000, ConsumerAttempts1734100000000, ProcessedEventsRetention1734200000000, EffectsTable1734100000001] });
    await initializeAndMigrate(dataSource);
    // Keyed as the consumer keys them: by its physical group name.
    const insert = (id: string, ageMs: number) =>
      sql(`INSERT INTO "${schema}".processed_events (consumer_group, event_id, topic, processed_at) VALUES ($1, $2, 'x', now() - make_interval(secs => $3::double precision / 1000))`, [naming.group(GROUP), id, ageMs]);
    for (const id of oldIds) await insert(id, 8 * DAY_MS);
    for (const id of recentIds) await insert(id, 6 * DAY_MS);
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'retention-int', topicPrefix: '' }, logger);
    await ensureTopics(kafka, naming, [Topic.requestSubmitted, Topic.deadLetter]);
    producer = createIdempotentProducer(kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await consumer?.stop();
    await producer?.disconnect();
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('lets one replica at a time prune: another holding the schema lock makes the pass a no-op', async () => {
    const other = new Client({ connectionString: TEST_DATABASE_URL });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock(hashtext($1))', [`labsync-retention:${schema}`]);
      expect(await pruner().pruneOnce()).toBeNull();
      expect(await processedIds()).toHaveLength(5);
    } finally {
      await other.end();
    }
  });

  it('deletes ids older than PROCESSED_EVENTS_RETENTION_MS in small batches, counted, and keeps the recent ones', async () => {
    const pruned: [string, number][] = [];
    expect(await pruner(pruned).pruneOnce()).toEqual({ processed_events: 3 });
    // Batches of 2: the metric sees 2 then 1.
    expect(pruned).toEqual([['processed_events', 2], ['processed_events', 1]]);
    expect(await processedIds()).toEqual([...recentIds].sort());
    expect(await pruner().pruneOnce()).toEqual({ processed_events: 0 });
  });

  it('still skips a redelivery of an event whose id is within the retention window', async () => {
    consumer = eventConsumerUnderTest({ kafka, naming, dataSource, schema, logger, metrics, producer }, GROUP, {
      handlers: new Map([[Topic.requestSubmitted, async (_payload, { manager, envelope }) => void (await manager.query(`INSERT INTO "${schema}".effects VALUES ($1, $2)`, [envelope.eventId, envelope.correlationId]))]]),
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    });
    await consumer.start();
    const envelopeWithId = (eventId: string, correlationId: string) => ({
      ...createEnvelope({ type: 'request.submitted', schemaVersion: 1, correlationId, sourceSystem: 'test', payload: submitted(correlationId) }),
      eventId,
    });
    const redelivered = envelopeWithId(recentIds[0]!, 'redelivered');
    const marker = envelopeWithId(randomUUID(), 'marker');
    // Same key: one partition, so the marker is applied after the redelivery was looked at.
    await producer.send({
      topic: naming.physical(Topic.requestSubmitted),
      messages: [redelivered, marker].map((e) => ({ key: 'same', value: JSON.stringify(e), headers: { [HEADERS.eventId]: e.eventId } })),
    });
    await waitFor(async () => (await sql(`SELECT 1 FROM "${schema}".effects WHERE correlation_id = 'marker'`)).length === 1, { what: 'the marker event to be applied' });
    expect(await sql(`SELECT 1 FROM "${schema}".effects WHERE correlation_id = 'redelivered'`)).toEqual([]);
  });
});
