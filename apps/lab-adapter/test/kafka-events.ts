import type { EventEnvelope, TopicMap, TopicName } from '@labsync/contracts';
import { TopicNaming, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { TEST_KAFKA_BROKERS } from '@labsync/testing';
import type { Consumer, Kafka, Producer } from 'kafkajs';

/** What a downstream consumer sees: every event on the given topics, in the order they arrived. */
export class KafkaEvents {
  private readonly kafka: Kafka;
  private readonly naming: TopicNaming;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  readonly seen: { topic: TopicName; envelope: EventEnvelope }[] = [];

  constructor(prefix: string) {
    this.naming = new TopicNaming(prefix);
    this.kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'lab-adapter-int', topicPrefix: prefix }, createLogger('lab-adapter-int', 'error'));
  }

  async start(topics: TopicName[]): Promise<void> {
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({ groupId: this.naming.group('int-observer'), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: topics.map((t) => this.naming.physical(t)), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        this.seen.push({ topic: this.naming.logical(topic) as TopicName, envelope: JSON.parse(message.value!.toString()) });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  async publish(topic: TopicName, envelopes: EventEnvelope[]): Promise<void> {
    await this.producer!.send({
      topic: this.naming.physical(topic),
      messages: envelopes.map((e) => ({ key: e.correlationId, value: JSON.stringify(e) })),
    });
  }

  payloads<T extends TopicName>(topic: T, correlationId?: string): TopicMap[T][] {
    return this.seen
      .filter((e) => e.topic === topic && (correlationId === undefined || e.envelope.correlationId === correlationId))
      .map((e) => e.envelope.payload as TopicMap[T]);
  }
}
