import { Topic, createEnvelope, type EventEnvelope, type LabOrderEventPayload, type RequestSubmittedPayload, type TopicMap, type TopicName } from '@labsync/contracts';
import { TopicNaming, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { TEST_KAFKA_BROKERS } from '@labsync/testing';
import type { Consumer, Kafka, Producer } from 'kafkajs';

/** A request as the portal-adapter publishes it: one water sample from acme, with these tests. */
export const submittedRequest = (correlationId: string, tests = ['PH', 'LEAD']): RequestSubmittedPayload => ({
  correlationId,
  partnerId: 'acme',
  receivedAt: new Date().toISOString(),
  request: {
    portalRequestId: `PR-${correlationId.slice(0, 8)}`,
    customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
    priority: 'standard',
    samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests }],
  },
});

/** The envelope the portal-adapter puts around a request.submitted payload. */
export const submittedEnvelope = (payload: RequestSubmittedPayload) =>
  createEnvelope({ type: 'request.submitted', schemaVersion: 1, correlationId: payload.correlationId, sourceSystem: 'portal-adapter', payload });

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

  /** The lab-order events of one kind (all on one topic), optionally of one correlation. */
  labEvents<K extends LabOrderEventPayload['kind']>(kind: K, correlationId?: string): Extract<LabOrderEventPayload, { kind: K }>[] {
    return this.payloads(Topic.labOrderEvents, correlationId).filter((p): p is Extract<LabOrderEventPayload, { kind: K }> => p.kind === kind);
  }
}
