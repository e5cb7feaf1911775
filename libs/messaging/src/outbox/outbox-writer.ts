import {
  HEADERS,
  TOPICS,
  createEnvelope,
  type EventEnvelope,
  type TopicMap,
  type TopicName,
} from '@labsync/contracts';
import { currentLogContext } from '@labsync/observability';
import { quoteIdent } from '@labsync/persistence';
import type { EntityManager } from 'typeorm';
import { DEFAULT_TOPIC_MAX_MESSAGE_BYTES, maxRecordBytesFor, recordBytes } from './record-size';

export interface OutboxMeta {
  correlationId: string;
  /** The event that caused this one (the event being handled, or an HTTP request id). */
  causationId?: string | null;
  /** Kafka key; the correlation id unless an entity stream says otherwise. */
  key?: string;
  eventId?: string;
  occurredAt?: Date;
}

/** An outbox insert not yet written: lets a caller batch many events into one statement. */
export interface PendingOutboxEvent {
  topic: TopicName;
  key: string;
  headers: Record<string, string>;
  envelope: EventEnvelope;
}

/**
 * An event whose Kafka record would exceed its topic's `max.message.bytes`: the broker would refuse it on
 * every attempt, so it is refused here, inside the caller's transaction, before anything is stored (the
 * portal-adapter answers 413). Carries sizes only, never content.
 */
export class EventTooLargeError extends Error {
  override readonly name = 'EventTooLargeError';
  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`refusing to publish a ${bytes}-byte record to ${topic}: the topic takes at most ${maxBytes} bytes per record`);
  }
}

/**
 * Writes events to the app's outbox inside the caller's transaction. The payload is validated against
 * the topic's schema on the way out, so a bug in a producer fails its own transaction instead of
 * poisoning every consumer downstream.
 */
export class OutboxWriter {
  constructor(
    private readonly schema: string,
    private readonly sourceSystem: string,
    /** The largest record the topics take (their max.message.bytes less the batch overhead). */
    readonly maxRecordBytes = maxRecordBytesFor(DEFAULT_TOPIC_MAX_MESSAGE_BYTES),
  ) {}

  prepare<T extends TopicName>(topic: T, payload: TopicMap[T], meta: OutboxMeta): PendingOutboxEvent {
    const { event } = TOPICS[topic];
    const checked = event.payload.safeParse(payload);
    if (!checked.success) {
      const problems = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`refusing to publish an invalid ${event.type} to ${topic}: ${problems}`);
    }
    const envelope = createEnvelope({
      type: event.type,
      schemaVersion: event.version,
      correlationId: meta.correlationId,
      causationId: meta.causationId ?? null,
      sourceSystem: this.sourceSystem,
      payload: checked.data,
      eventId: meta.eventId,
      occurredAt: meta.occurredAt,
    });
    const headers: Record<string, string> = {
      [HEADERS.eventId]: envelope.eventId,
      [HEADERS.eventType]: envelope.type,
      [HEADERS.schemaVersion]: String(envelope.schemaVersion),
      [HEADERS.correlationId]: envelope.correlationId,
      [HEADERS.sourceSystem]: envelope.sourceSystem,
    };
    if (envelope.causationId) headers[HEADERS.causationId] = envelope.causationId;
    const traceparent = currentLogContext().traceparent;
    if (traceparent) headers[HEADERS.traceparent] = traceparent;
    const key = meta.key ?? meta.correlationId;
    const bytes = recordBytes(key, JSON.stringify(envelope), headers);
    if (bytes > this.maxRecordBytes) throw new EventTooLargeError(topic, bytes, this.maxRecordBytes);
    return { topic, key, headers, envelope };
  }

  async add<T extends TopicName>(manager: EntityManager, topic: T, payload: TopicMap[T], meta: OutboxMeta): Promise<EventEnvelope<TopicMap[T]>> {
    const pending = this.prepare(topic, payload, meta);
    await this.write(manager, [pending]);
    return pending.envelope as EventEnvelope<TopicMap[T]>;
  }

  async write(manager: EntityManager, events: PendingOutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    const values: unknown[] = [];
    const rows = events.map((e, i) => {
      values.push(e.topic, e.key, JSON.stringify(e.headers), JSON.stringify(e.envelope));
      const b = i * 4;
      return `($${b + 1}, $${b + 2}, $${b + 3}::jsonb, $${b + 4}::jsonb)`;
    });
    await manager.query(
      `INSERT INTO ${quoteIdent(this.schema)}.outbox (topic, message_key, headers, envelope) VALUES ${rows.join(', ')}`,
      values,
    );
  }
}
