import { randomUUID } from 'node:crypto';
import { TOPICS, Topic, createEnvelope, type EventEnvelope, type TopicMap, type TopicName } from '@labsync/contracts';
import { sql } from '@labsync/testing';
import type { Producer } from 'kafkajs';

/**
 * The events that drive the tracker, published the way portal-adapter and lab-adapter publish them:
 * enveloped, keyed by correlation id, acks=all, on the run's (prefixed) topics. `now` stamps each event.
 */
export class LifecycleEvents {
  constructor(
    private readonly producer: () => Producer,
    private readonly naming: { physical(topic: string): string },
    private readonly sourceSystem: string,
    private readonly now: () => string,
  ) {}

  envelopeFor<T extends TopicName>(topic: T, payload: TopicMap[T], correlationId: string): EventEnvelope<TopicMap[T]> {
    return createEnvelope({ type: TOPICS[topic].event.type, schemaVersion: TOPICS[topic].event.version, correlationId, sourceSystem: this.sourceSystem, payload });
  }

  async send(topic: TopicName, ...envelopes: EventEnvelope[]): Promise<EventEnvelope[]> {
    await this.producer().send({
      topic: this.naming.physical(topic),
      acks: -1,
      messages: envelopes.map((e) => ({ key: e.correlationId, value: JSON.stringify(e) })),
    });
    return envelopes;
  }

  async publish<T extends TopicName>(topic: T, payload: TopicMap[T] & { correlationId: string }): Promise<EventEnvelope> {
    const [envelope] = await this.send(topic, this.envelopeFor(topic, payload, payload.correlationId));
    return envelope!;
  }

  submittedPayload(correlationId: string): TopicMap[typeof Topic.requestSubmitted] {
    return {
      correlationId,
      partnerId: 'acme',
      receivedAt: this.now(),
      request: {
        portalRequestId: `PR-${correlationId}`,
        customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
        priority: 'standard',
        samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] }],
      },
    };
  }

  dispatched(correlationId: string): Promise<EventEnvelope> {
    return this.publish(Topic.labOrderEvents, { kind: 'dispatched', correlationId, dispatchedAt: this.now() });
  }

  accepted(correlationId: string): Promise<EventEnvelope> {
    return this.publish(Topic.labOrderEvents, { kind: 'accepted', correlationId, labOrderId: `LAB-${correlationId}`, acceptedAt: this.now() });
  }

  labStatus(correlationId: string, status: 'RECEIVED' | 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED'): Promise<EventEnvelope> {
    return this.publish(Topic.labOrderEvents, { kind: 'status-changed', correlationId, labOrderId: `LAB-${correlationId}`, labEventId: randomUUID(), status, occurredAt: this.now() });
  }

  result(correlationId: string, testCode: string, resultStatus: 'preliminary' | 'final' | 'corrected', value = 7): Promise<EventEnvelope> {
    return this.publish(Topic.labOrderEvents, {
      kind: 'result-reported',
      correlationId,
      labOrderId: `LAB-${correlationId}`,
      labEventId: randomUUID(),
      result: { sampleId: 'S-1', testCode, resultStatus, analytes: [{ name: testCode, value, unit: testCode === 'PH' ? 'pH' : 'ug/L' }], reportedAt: this.now() },
    });
  }
}

/** The tracker recorded every one of these events as processed (in `schema`). */
export async function allProcessed(schema: string, envelopes: EventEnvelope[]): Promise<boolean> {
  const rows = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".processed_events WHERE event_id = ANY($1::uuid[])`, [envelopes.map((e) => e.eventId)]);
  return Number(rows[0]!.n) === envelopes.length;
}
