import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@labsync/observability';
import { TEST_KAFKA_BROKERS, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import { createIdempotentProducer, createKafka } from './kafka-client';

const pinned = JSON.parse(readFileSync(join(__dirname, '../../../../tools/kafka/version.json'), 'utf8')).kafka as string;
const kafkajsVersion = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')).version as string;

// Kafka 4 removed old protocol versions (KIP-896). This proves the client labsync pins still speaks to the
// broker it provisions: cluster metadata, topic creation, idempotent produce, and a consumer group.
describe(`kafkajs ${kafkajsVersion} against the provisioned Apache Kafka ${pinned}`, () => {
  it('runs admin, idempotent producer and consumer-group round trips', async () => {
    expect(pinned).toMatch(/^4\.1\.\d+$/);
    const kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'compat', topicPrefix: '' }, createLogger('compat', 'warn'));
    const topic = `${uniqueTopicPrefix('compat')}roundtrip`;
    const admin = kafka.admin();
    await admin.connect();
    const producer = createIdempotentProducer(kafka);
    const consumer = kafka.consumer({ groupId: `${topic}.group`, maxWaitTimeInMs: 100 });
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
      await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
      const received: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}` })) });
      await waitFor(() => received.length === 20, { what: '20 records through a consumer group' });
      const committed = await waitFor(async () => {
        const offsets = await admin.fetchOffsets({ groupId: `${topic}.group`, topics: [topic] });
        const total = offsets[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
        return total === 20 ? total : undefined;
      }, { what: 'committed offsets' });
      expect(committed).toBe(20);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
