import { HEADERS, TOPICS, Topic, createEnvelope, type CorrelationSnapshot } from '@labsync/contracts';
import type { Producer } from 'kafkajs';
import type { TestTopicNaming } from './topic-reader';

/** Publishes correlation snapshots as the correlation-tracker does: enveloped, keyed by correlation id, acks=all. */
export async function publishCorrelationSnapshots(producer: Producer, naming: TestTopicNaming, snapshots: CorrelationSnapshot[]): Promise<void> {
  const { event } = TOPICS[Topic.correlationStatus];
  await producer.send({
    topic: naming.physical(Topic.correlationStatus),
    acks: -1,
    messages: snapshots.map((payload) => {
      const envelope = createEnvelope({ type: event.type, schemaVersion: event.version, correlationId: payload.correlationId, sourceSystem: 'int-test', payload });
      return { key: payload.correlationId, value: JSON.stringify(envelope), headers: { [HEADERS.eventId]: envelope.eventId } };
    }),
  });
}
