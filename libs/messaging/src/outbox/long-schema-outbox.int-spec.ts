import { Topic } from '@labsync/contracts';
import { Metrics, createLogger } from '@labsync/observability';
import { createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, sql, uniqueSchema, uniqueTopicPrefix, waitFor, requestSubmittedPayload as submitted } from '@labsync/testing';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TopicNaming, createKafka } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/topic-admin';
import { OutboxChannel1734000000000 } from './outbox-channel.migration';
import { MessagingTables1732100000000 } from './messaging-tables.migration';
import { OutboxParking1733100000000 } from './outbox-parking.migration';
import { OutboxRelay } from './outbox-relay';
import { OutboxWriter } from './outbox-writer';

describe('an app schema of 63 characters, the longest DB_SCHEMA accepts (real Postgres, real Kafka)', () => {
  const logger = createLogger('long-schema-int', 'warn');
  const metrics = new Metrics('long-schema-int');
  const schema = uniqueSchema('long_schema').padEnd(63, 'x');
  const naming = new TopicNaming(uniqueTopicPrefix('long-schema'));
  let dataSource: DataSource;
  let kafka: Kafka;

  beforeAll(async () => {
    dataSource = createAppDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [MessagingTables1732100000000, OutboxParking1733100000000, OutboxChannel1734000000000] });
    await initializeAndMigrate(dataSource);
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'long-schema-int', topicPrefix: '' }, logger);
    await ensureTopics(kafka, naming, [Topic.requestSubmitted]);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('commits outbox inserts and wakes the relay by NOTIFY', async () => {
    expect(schema).toHaveLength(63);
    const outbox = new OutboxWriter(schema, 'long-schema-int');
    const relay = new OutboxRelay({ databaseUrl: TEST_DATABASE_URL, schema, kafka, naming, logger, metrics, idleRecheckMs: 60000 });
    relay.start();
    try {
      await waitFor(() => (metrics.registry.getSingleMetric('labsync_outbox_relay_leader') as any)?.hashMap?.['']?.value === 1, { what: 'relay leadership' });
      // With the unchecked `<schema>_outbox` channel this insert failed: pg_notify refuses names over 63 bytes.
      await dataSource.transaction((manager) => outbox.add(manager, Topic.requestSubmitted, submitted('long-schema'), { correlationId: 'long-schema' }));
      const started = Date.now();
      // Idle with a one-minute recheck: only the NOTIFY can make it publish (and delete) this soon.
      await waitFor(async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox`))[0]!.n) === 0, { timeoutMs: 10000, what: 'the relay to publish after NOTIFY' });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await relay.stop();
    }
  });
});
