import {
  HEADERS,
  TOPICS,
  createEnvelope,
  type EntityTopicOf,
  type EventEnvelope,
  type PayloadOf,
  type TopicName,
  type TopicRegistry,
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
export interface PendingOutboxEvent<N extends string = TopicName> {
  topic: N;
  key: string;
  headers: Record<string, string>;
  envelope: EventEnvelope;
}

/**
 * A tombstone waiting in the outbox: the row's envelope is JSON `null` (the column stays NOT NULL), which
 * the relay sends as a null record value.
 */
export interface PendingTombstone<N extends string = TopicName> {
  topic: N;
  key: string;
  headers: Record<string, string>;
  envelope: null;
}

/** Where an entity change goes: the key is always the entity id, so the correlation id travels as a header. */
export type EntityOutboxMeta = Omit<OutboxMeta, 'key'>;

/** What a delete event says besides `kind`: the entity id, when, and the topic's own deletion fields. */
export type EntityDeletion<R extends TopicRegistry, T extends keyof R> = Omit<Extract<PayloadOf<R, T>, { kind: 'deleted' }>, 'kind'>;

/** The entity an upsert carries on an entity topic. */
export type EntityOf<R extends TopicRegistry, T extends keyof R> = Extract<PayloadOf<R, T>, { kind: 'upserted' }> extends { entity: infer E } ? E : never;

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
export class OutboxWriter<R extends TopicRegistry = typeof TOPICS> {
  constructor(
    private readonly schema: string,
    private readonly sourceSystem: string,
    /** The largest record the topics take (their max.message.bytes less the batch overhead). */
    readonly maxRecordBytes = maxRecordBytesFor(DEFAULT_TOPIC_MAX_MESSAGE_BYTES),
    /** The topics this writer may publish to: the labsync registry, or a test's own. */
    private readonly registry: R = TOPICS as unknown as R,
  ) {}

  prepare<T extends keyof R & string>(topic: T, payload: PayloadOf<R, T>, meta: OutboxMeta): PendingOutboxEvent<T> {
    const { event } = this.registry[topic]!;
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

  async add<T extends keyof R & string>(manager: EntityManager, topic: T, payload: PayloadOf<R, T>, meta: OutboxMeta): Promise<EventEnvelope<PayloadOf<R, T>>> {
    const pending = this.prepare(topic, payload, meta);
    await this.write(manager, [pending]);
    return pending.envelope as EventEnvelope<PayloadOf<R, T>>;
  }

  /** The entity as it is now, on its entity topic under its id. */
  async addEntityUpsert<T extends EntityTopicOf<R>>(manager: EntityManager, topic: T, entityId: string, entity: EntityOf<R, T>, meta: EntityOutboxMeta): Promise<EventEnvelope<PayloadOf<R, T>>> {
    return this.add(manager, topic, { kind: 'upserted', entityId, entity } as PayloadOf<R, T>, { ...meta, key: entityId });
  }

  /**
   * A delete on an entity topic: the typed delete event, then a tombstone under the same key, in one insert
   * (outbox ids follow the VALUES order, and the relay keeps id order per partition), so every consumer sees
   * the event first and compaction can drop the key after the tombstone.
   */
  async addEntityDeletion<T extends EntityTopicOf<R>>(manager: EntityManager, topic: T, deletion: EntityDeletion<R, T>, meta: EntityOutboxMeta): Promise<EventEnvelope<PayloadOf<R, T>>> {
    const [event, tombstone] = this.prepareEntityDeletion(topic, deletion, meta);
    await this.write(manager, [event, tombstone]);
    return event.envelope as EventEnvelope<PayloadOf<R, T>>;
  }

  prepareEntityDeletion<T extends EntityTopicOf<R>>(topic: T, deletion: EntityDeletion<R, T>, meta: EntityOutboxMeta): [PendingOutboxEvent<T>, PendingTombstone<T>] {
    const { entityId } = deletion as unknown as { entityId: string };
    const event = this.prepare(topic, { ...deletion, kind: 'deleted' } as PayloadOf<R, T>, { ...meta, key: entityId });
    const headers: Record<string, string> = {
      [HEADERS.correlationId]: event.envelope.correlationId,
      [HEADERS.sourceSystem]: event.envelope.sourceSystem,
      // The delete event is what the tombstone follows from.
      [HEADERS.causationId]: event.envelope.eventId,
    };
    const traceparent = event.headers[HEADERS.traceparent];
    if (traceparent) headers[HEADERS.traceparent] = traceparent;
    return [event, { topic, key: entityId, headers, envelope: null }];
  }

  async write(manager: EntityManager, events: readonly (PendingOutboxEvent<string> | PendingTombstone<string>)[]): Promise<void> {
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
