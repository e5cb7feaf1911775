import { HEADERS, Topic, TOPICS, createEnvelope, type DeadLetterPayload } from '@labsync/contracts';
import type { Logger, Metrics } from '@labsync/observability';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { TopicNaming } from '../kafka/kafka-client';

export interface DeadLetterInput {
  logicalTopic: string;
  partition: number;
  message: KafkaMessage;
  consumerGroup: string;
  reason: string;
  attempts: number;
  correlationId: string | null;
}

/**
 * Sends a message a consumer gave up on to the dead-letter topic, keeping the original bytes, headers and
 * position, and the reason in words an operator can act on.
 */
export class DeadLetterPublisher {
  private readonly counter;

  constructor(
    private readonly producer: Producer,
    private readonly naming: TopicNaming,
    private readonly sourceSystem: string,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.counter = metrics.counter('labsync_dead_letters_total', 'Messages sent to the dead-letter topic', ['topic', 'group']);
  }

  async publish(input: DeadLetterInput): Promise<void> {
    const payload: DeadLetterPayload = {
      originalTopic: input.logicalTopic,
      originalPartition: input.partition,
      originalOffset: input.message.offset,
      originalKey: input.message.key ? input.message.key.toString('utf8') : null,
      originalHeaders: Object.fromEntries(
        Object.entries(input.message.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(',') : String(v ?? '')]),
      ),
      originalValue: input.message.value ? input.message.value.toString('utf8') : '',
      consumerGroup: input.consumerGroup,
      reason: input.reason.slice(0, 4000),
      attempts: input.attempts,
      failedAt: new Date().toISOString(),
    };
    const { event } = TOPICS[Topic.deadLetter];
    const correlationId = input.correlationId ?? payload.originalKey ?? 'unknown';
    const envelope = createEnvelope({
      type: event.type,
      schemaVersion: event.version,
      correlationId,
      causationId: payload.originalHeaders[HEADERS.eventId] ?? null,
      sourceSystem: this.sourceSystem,
      payload,
    });
    await this.producer.send({
      topic: this.naming.physical(Topic.deadLetter),
      acks: -1,
      messages: [
        {
          key: correlationId,
          value: JSON.stringify(envelope),
          headers: {
            [HEADERS.eventId]: envelope.eventId,
            [HEADERS.eventType]: envelope.type,
            [HEADERS.correlationId]: correlationId,
            [HEADERS.sourceSystem]: this.sourceSystem,
            'x-dead-letter-reason': payload.reason.slice(0, 500),
          },
        },
      ],
    });
    this.counter.inc({ topic: input.logicalTopic, group: input.consumerGroup });
    this.logger.error(
      { correlationId, topic: input.logicalTopic, partition: input.partition, offset: input.message.offset, reason: payload.reason },
      'message dead-lettered',
    );
  }
}
