import { HEADERS, Topic, createEnvelope, type TopicMap } from '@labsync/contracts';
import { Metrics, createLogger } from '@labsync/observability';
import { createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, sql, uniqueSchema, uniqueTopicPrefix, waitFor, requestSubmittedPayload as submitted, testTableMigration } from '@labsync/testing';
import { eventConsumerUnderTest } from '../../test/event-consumer-under-test';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { EventConsumer, type EventHandler } from '../consumer/event-consumer';
import { TopicNaming, createIdempotentProducer, createKafka } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/topic-admin';
import { MessagingTables1732100000000 } from './messaging-tables.migration';
import { OutboxParking1733100000000 } from './outbox-parking.migration';
import { ConsumerAttempts1734100000000 } from '../consumer/consumer-attempts.migration';
import { OutboxRelay } from './outbox-relay';
import { OutboxWriter } from './outbox-writer';

const EffectsTable1732100000001 = testTableMigration('EffectsTable1732100000001', (s) => [`CREATE TABLE "${s}".effects (id bigserial PRIMARY KEY, correlation_id text NOT NULL, event_id uuid NOT NULL)`]);

describe('outbox relay and idempotent consumer (real Kafka, real Postgres)', () => {
  const logger = createLogger('messaging-int', 'warn');
  const metrics = new Metrics('messaging-int');
  const schema = uniqueSchema('messaging');
  const naming = new TopicNaming(uniqueTopicPrefix('messaging'));
  let dataSource: DataSource;
  let kafka: Kafka;
  let producer: Producer;
  let outbox: OutboxWriter;
  let consumer: EventConsumer | null = null;
  let deadLetterConsumer: Consumer;
  const deadLetters: { reason: string; originalValue: string }[] = [];

  const effects = (correlationId: string) =>
    sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".effects WHERE correlation_id = $1`, [correlationId]);
  /** A request.submitted as a producer other than the outbox would send it. */
  const submittedEnvelope = (correlationId: string, payload: object = submitted(correlationId)) =>
    createEnvelope({ type: 'request.submitted', schemaVersion: 1, correlationId, sourceSystem: 'test', payload });
  const outboxCount = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox`))[0]!.n);

  const handler: EventHandler = async (payload, { manager, envelope }) => {
    const { correlationId } = payload as TopicMap[typeof Topic.requestSubmitted];
    if (correlationId.startsWith('always-fails')) throw new Error('the handler refuses this request');
    await manager.query(`INSERT INTO "${schema}".effects (correlation_id, event_id) VALUES ($1, $2)`, [correlationId, envelope.eventId]);
  };

  const startConsumer = async () => {
    consumer = eventConsumerUnderTest({ kafka, naming, dataSource, schema, logger, metrics, producer }, 'messaging-int', {
      handlers: new Map([[Topic.requestSubmitted, handler]]),
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    });
    await consumer.start();
  };

  beforeAll(async () => {
    dataSource = createAppDataSource({
      url: TEST_DATABASE_URL,
      schema,
      entities: [],
      migrations: [MessagingTables1732100000000, OutboxParking1733100000000, ConsumerAttempts1734100000000, EffectsTable1732100000001],
    });
    await initializeAndMigrate(dataSource);
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'messaging-int', topicPrefix: '' }, logger);
    await ensureTopics(kafka, naming, [Topic.requestSubmitted, Topic.deadLetter]);
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    outbox = new OutboxWriter(schema, 'messaging-int');
    deadLetterConsumer = kafka.consumer({ groupId: naming.group('dlq-reader'), maxWaitTimeInMs: 200 });
    await deadLetterConsumer.connect();
    await deadLetterConsumer.subscribe({ topic: naming.physical(Topic.deadLetter), fromBeginning: true });
    await deadLetterConsumer.run({
      eachMessage: async ({ message }) => {
        deadLetters.push(JSON.parse(message.value!.toString()).payload);
      },
    });
    await startConsumer();
  });

  afterAll(async () => {
    await consumer?.stop();
    await deadLetterConsumer?.disconnect();
    await producer?.disconnect();
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('publishes an event committed while no relay ran, once a relay starts (crash between commit and publish)', async () => {
    await dataSource.transaction((manager) => outbox.add(manager, Topic.requestSubmitted, submitted('before-relay'), { correlationId: 'before-relay' }));
    expect(await outboxCount()).toBe(1);
    // No relay is running: this is the state a crash right after the commit leaves behind.
    const relay = new OutboxRelay({ databaseUrl: TEST_DATABASE_URL, schema, kafka, naming, logger, metrics });
    relay.start();
    try {
      await waitFor(async () => (await effects('before-relay')).length === 1, { what: 'the consumer to apply the event' });
      await waitFor(async () => (await outboxCount()) === 0, { what: 'the relay to delete what it published' });
    } finally {
      await relay.stop();
    }
  });

  it('wakes the relay on commit instead of waiting for a poll', async () => {
    const relay = new OutboxRelay({ databaseUrl: TEST_DATABASE_URL, schema, kafka, naming, logger, metrics, idleRecheckMs: 60000 });
    relay.start();
    try {
      // Let it become leader and go idle with a one-minute recheck: only NOTIFY can wake it in time.
      await waitFor(() => (metrics.registry.getSingleMetric('labsync_outbox_relay_leader') as any)?.hashMap?.['']?.value === 1, { what: 'relay leadership' });
      const started = Date.now();
      await dataSource.transaction((manager) => outbox.add(manager, Topic.requestSubmitted, submitted('notify-wakes'), { correlationId: 'notify-wakes' }));
      await waitFor(async () => (await effects('notify-wakes')).length === 1, { timeoutMs: 10000, what: 'delivery after NOTIFY' });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await relay.stop();
    }
  });

  it('publishes again after a crash between Kafka ack and delete, and the consumer applies it once', async () => {
    await dataSource.transaction((manager) => outbox.add(manager, Topic.requestSubmitted, submitted('crash-after-send'), { correlationId: 'crash-after-send' }));
    // A producer that dies right after Kafka acknowledged the batch: the rows stay in the outbox.
    let crashed = false;
    const crashingProducer = () => {
      const fresh = createIdempotentProducer(kafka);
      const send = fresh.send.bind(fresh);
      fresh.send = async (record) => {
        const result = await send(record);
        if (!crashed) {
          crashed = true;
          throw new Error('process died after the send');
        }
        return result;
      };
      return fresh;
    };
    const relay = new OutboxRelay({ databaseUrl: TEST_DATABASE_URL, schema, kafka, producerFactory: crashingProducer, naming, logger, metrics });
    relay.start();
    try {
      await waitFor(async () => (await outboxCount()) === 0, { what: 'the outbox to drain after the retry' });
      expect(crashed).toBe(true);
      await waitFor(async () => (await effects('crash-after-send')).length === 1, { what: 'the effect' });
      // Both copies were consumed; the second was recognised as a duplicate.
      await waitFor(async () => {
        const duplicates = await metrics.registry.getSingleMetric('labsync_events_consumed_total')!.get();
        return duplicates.values.some((v) => v.labels['outcome'] === 'duplicate' && v.value >= 1);
      }, { what: 'the duplicate to be seen and skipped' });
      expect(await effects('crash-after-send')).toHaveLength(1);
    } finally {
      await relay.stop();
    }
  });

  it('applies an event delivered twice exactly once', async () => {
    const envelope = submittedEnvelope('delivered-twice');
    const record = { key: 'delivered-twice', value: JSON.stringify(envelope), headers: { [HEADERS.eventId]: envelope.eventId } };
    await producer.send({ topic: naming.physical(Topic.requestSubmitted), messages: [record, record] });
    await waitFor(async () => (await effects('delivered-twice')).length === 1, { what: 'the effect' });
    const processed = await sql(`SELECT * FROM "${schema}".processed_events WHERE event_id = $1`, [envelope.eventId]);
    expect(processed).toHaveLength(1);
    // The second copy sits right behind the first in the same partition; once a later event on that key
    // is applied, the copy has been consumed too.
    const marker = submittedEnvelope('delivered-twice');
    await producer.send({ topic: naming.physical(Topic.requestSubmitted), messages: [{ key: 'delivered-twice', value: JSON.stringify(marker) }] });
    await waitFor(async () => (await effects('delivered-twice')).length === 2, { what: 'the marker event' });
    expect((await effects('delivered-twice')).filter((e) => e.event_id === envelope.eventId)).toHaveLength(1);
  });

  it('dead-letters a poison message with its reason while the messages behind it keep flowing', async () => {
    const poison = submittedEnvelope('poison', { ...submitted('poison'), request: { portalRequestId: 'PR-x', samples: [] } });
    const behind = submittedEnvelope('poison');
    await producer.send({
      topic: naming.physical(Topic.requestSubmitted),
      messages: [
        { key: 'poison', value: JSON.stringify(poison) },
        { key: 'poison', value: 'this is not json' },
        { key: 'poison', value: JSON.stringify(behind) },
      ],
    });
    await waitFor(async () => (await effects('poison')).length === 1, { what: 'the valid message behind the poison ones' });
    const reasons = await waitFor(() => {
      const found = deadLetters.filter((d) => d.originalValue.includes('PR-x') || d.originalValue === 'this is not json');
      return found.length === 2 ? found.map((d) => d.reason) : undefined;
    }, { what: 'two dead letters' });
    expect(reasons.some((r) => /invalid request\.submitted payload: request\.customer/.test(r))).toBe(true);
    expect(reasons.some((r) => /value is not JSON/.test(r))).toBe(true);
  });

  it('retries a failing handler, then dead-letters it with the error, and moves on', async () => {
    await dataSource.transaction(async (manager) => {
      await outbox.add(manager, Topic.requestSubmitted, submitted('always-fails-1'), { correlationId: 'always-fails-1', key: 'same-key' });
      await outbox.add(manager, Topic.requestSubmitted, submitted('after-failure'), { correlationId: 'after-failure', key: 'same-key' });
    });
    const relay = new OutboxRelay({ databaseUrl: TEST_DATABASE_URL, schema, kafka, naming, logger, metrics });
    relay.start();
    try {
      await waitFor(async () => (await effects('after-failure')).length === 1, { what: 'the event behind the failing one' });
      const dl = await waitFor(() => deadLetters.find((d) => d.originalValue.includes('always-fails-1')), { what: 'the dead letter' });
      expect(dl.reason).toBe('handler failed 3 times: the handler refuses this request');
      expect(await effects('always-fails-1')).toHaveLength(0);
    } finally {
      await relay.stop();
    }
  });

  it('refuses to write an invalid payload to the outbox (validation on the way out)', async () => {
    await expect(
      dataSource.transaction((manager) =>
        outbox.add(manager, Topic.requestSubmitted, { ...submitted('bad-out'), partnerId: '' }, { correlationId: 'bad-out' }),
      ),
    ).rejects.toThrow(/refusing to publish an invalid request\.submitted .*partnerId/);
    expect(await outboxCount()).toBe(0);
  });
});
