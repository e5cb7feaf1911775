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
 * Writes events to the app's outbox inside the caller's transaction. The payload is validated against
 * the topic's schema on the way out, so a bug in a producer fails its own transaction instead of
 * poisoning every consumer downstream.
 */
export class OutboxWriter {
  constructor(
    private readonly schema: string,
    private readonly sourceSystem: string,
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
    return { topic, key: meta.key ?? meta.correlationId, headers, envelope };
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
