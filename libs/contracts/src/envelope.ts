import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Every event on every labsync topic is this envelope around a typed payload. The correlation id is also
 * the Kafka key of request/result flows, and travels as a header so tools can filter without parsing.
 */
export const EventEnvelopeSchema = z.object({
  eventId: z.uuid(),
  type: z.string().min(1),
  schemaVersion: z.number().int().positive(),
  correlationId: z.string().min(1).max(128),
  causationId: z.string().max(128).nullable(),
  sourceSystem: z.string().min(1).max(64),
  occurredAt: z.iso.datetime({ offset: true }),
  payload: z.unknown(),
});
export type EventEnvelope<P = unknown> = Omit<z.infer<typeof EventEnvelopeSchema>, 'payload'> & { payload: P };

/** Kafka header names labsync writes on every record. */
export const HEADERS = {
  eventId: 'x-event-id',
  eventType: 'x-event-type',
  schemaVersion: 'x-schema-version',
  correlationId: 'x-correlation-id',
  causationId: 'x-causation-id',
  sourceSystem: 'x-source-system',
  /** W3C trace context, so a trace follows a request across apps. */
  traceparent: 'traceparent',
} as const;

export interface EnvelopeInit<P> {
  type: string;
  schemaVersion: number;
  correlationId: string;
  causationId?: string | null;
  sourceSystem: string;
  payload: P;
  eventId?: string;
  occurredAt?: Date;
}

export function createEnvelope<P>(init: EnvelopeInit<P>): EventEnvelope<P> {
  return {
    eventId: init.eventId ?? randomUUID(),
    type: init.type,
    schemaVersion: init.schemaVersion,
    correlationId: init.correlationId,
    causationId: init.causationId ?? null,
    sourceSystem: init.sourceSystem,
    occurredAt: (init.occurredAt ?? new Date()).toISOString(),
    payload: init.payload,
  };
}
