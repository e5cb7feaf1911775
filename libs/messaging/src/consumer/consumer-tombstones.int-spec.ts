import { Topic, createEnvelope, type TopicMap, type TopicName } from '@labsync/contracts';
import { Metrics, createLogger } from '@labsync/observability';
import { createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, sql, uniqueSchema, uniqueTopicPrefix, waitFor, testTableMigration } from '@labsync/testing';
import { eventConsumerUnderTest } from '../../test/event-consumer-under-test';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TopicNaming, createIdempotentProducer, createKafka } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/topic-admin';
import { MessagingTables1732100000000 } from '../outbox/messaging-tables.migration';
import { ConsumerAttempts1734100000000 } from './consumer-attempts.migration';
import { readConsumerDeadLetters } from './dead-letter-replay';
import { EventConsumer, type EventHandler, type TombstoneHandler } from './event-consumer';

const SnapshotCopies1734100000002 = testTableMigration('SnapshotCopies1734100000002', (s) => [`CREATE TABLE "${s}".snapshot_copies (correlation_id text PRIMARY KEY, status text NOT NULL)`]);

const snapshot = (correlationId: string): TopicMap[typeof Topic.correlationStatus] => ({
  correlationId,
  partnerId: 'acme',
  portalRequestId: `PR-${correlationId}`,
  status: 'RECEIVED',
  labOrderId: null,
  version: 1,
  updatedAt: new Date().toISOString(),
  timeline: [],
  results: [],
});

/** correlation.status is declared `tombstones: true` in the topic registry; requests.submitted is not. */
describe('tombstones on entity streams (real Kafka, real Postgres)', () => {
  const logger = createLogger('consumer-tombstones-int', 'fatal');
  const schema = uniqueSchema('tombstones');
  const prefix = uniqueTopicPrefix('tombstones');
  const naming = new TopicNaming(prefix);
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: EventConsumer[] = [];

  const copies = (correlationId: string) => sql(`SELECT status FROM "${schema}".snapshot_copies WHERE correlation_id = $1`, [correlationId]);
  const copySnapshot: EventHandler = async (payload, { manager }) => {
    const { correlationId, status } = payload as TopicMap[typeof Topic.correlationStatus];
    await manager.query(`INSERT INTO "${schema}".snapshot_copies (correlation_id, status) VALUES ($1, $2) ON CONFLICT (correlation_id) DO UPDATE SET status = EXCLUDED.status`, [correlationId, status]);
  };
  const deleteCopy: TombstoneHandler = async (key, { manager }) => {
    await manager.query(`DELETE FROM "${schema}".snapshot_copies WHERE correlation_id = $1`, [key]);
  };

  async function start(groupId: string, topic: TopicName, tombstoneHandlers: Map<TopicName, TombstoneHandler>): Promise<void> {
    const metrics = new Metrics(`tombstones-${groupId}`);
    const consumer = eventConsumerUnderTest({ kafka, naming, dataSource, schema, logger, metrics, producer }, groupId, {
      handlers: new Map([[topic, copySnapshot]]),
      tombstoneHandlers,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    });
    consumers.push(consumer);
    await consumer.start();
  }

  async function send(topic: TopicName, key: string, value: string | null): Promise<void> {
    await producer.send({ topic: naming.physical(topic), acks: -1, messages: [{ key, value }] });
  }
  const snapshotRecord = (correlationId: string) =>
    JSON.stringify(createEnvelope({ type: 'correlation.status-changed', schemaVersion: 1, correlationId, sourceSystem: 'int-test', payload: snapshot(correlationId) }));

  beforeAll(async () => {
    dataSource = createAppDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [MessagingTables1732100000000, ConsumerAttempts1734100000000, SnapshotCopies1734100000002] });
    await initializeAndMigrate(dataSource);
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'consumer-tombstones-int', topicPrefix: '' }, logger);
    await ensureTopics(kafka, naming, [Topic.correlationStatus, Topic.requestSubmitted, Topic.deadLetter]);
    admin = kafka.admin();
    await admin.connect();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    await start('with-tombstones', Topic.correlationStatus, new Map([[Topic.correlationStatus, deleteCopy]]));
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.stop()));
    await producer?.disconnect();
    if (admin) {
      const ours = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics: ours }).catch(() => undefined);
      await admin.disconnect();
    }
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('hands a tombstone with its key to the tombstone handler, which deletes the entity; nothing is dead-lettered', async () => {
    await send(Topic.correlationStatus, 'deleted-later', snapshotRecord('deleted-later'));
    await waitFor(async () => (await copies('deleted-later')).length === 1, { what: 'the snapshot copy' });
    await send(Topic.correlationStatus, 'deleted-later', null);
    // Behind the tombstone on the same partition: once it is applied, the tombstone was handled before it.
    await send(Topic.correlationStatus, 'deleted-later', snapshotRecord('marker'));
    await waitFor(async () => (await copies('marker')).length === 1, { what: 'the record behind the tombstone' });
    expect(await copies('deleted-later')).toEqual([]);
    const { entries } = await readConsumerDeadLetters(kafka, naming, { filter: { correlationId: 'deleted-later' } });
    expect(entries).toEqual([]);
  });

  it('dead-letters a tombstone on a topic that does not carry tombstones, and one a group has no handler for', async () => {
    await start('submitted-reader', Topic.requestSubmitted, new Map());
    await start('without-tombstone-handler', Topic.correlationStatus, new Map());
    await send(Topic.requestSubmitted, 'no-deletes-here', null);
    await send(Topic.correlationStatus, 'unhandled-delete', null);
    const reasons = await waitFor(
      async () => {
        const { entries } = await readConsumerDeadLetters(kafka, naming);
        const ours = entries.filter((e) => ['no-deletes-here', 'unhandled-delete'].includes(e.payload.originalKey ?? ''));
        return ours.length >= 2 ? ours.map((e) => `${e.payload.consumerGroup}: ${e.payload.reason}`).sort() : undefined;
      },
      { what: 'two dead letters', intervalMs: 250 },
    );
    expect(reasons).toEqual([
      `${naming.group('submitted-reader')}: empty record value (tombstone or null)`,
      `${naming.group('without-tombstone-handler')}: tombstone on ${Topic.correlationStatus} but group ${naming.group('without-tombstone-handler')} has no tombstone handler`,
    ]);
  });
});
