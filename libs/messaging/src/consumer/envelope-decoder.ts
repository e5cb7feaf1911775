import { EventEnvelopeSchema, TOPICS, type EventEnvelope, type TopicMap, type TopicName, type TopicRegistry } from '@labsync/contracts';

export type DecodeResult<T extends TopicName = TopicName> =
  | { ok: true; envelope: EventEnvelope<TopicMap[T]> }
  | { ok: false; reason: string; correlationId: string | null };

/**
 * Validates a record on the way in: JSON, a labsync envelope, the event type this topic carries, and the
 * payload schema. A consumer that only cast the bytes would trust every producer forever.
 */
export function decodeRecord<T extends TopicName>(logicalTopic: T | string, value: Buffer | null, registry: TopicRegistry = TOPICS): DecodeResult<T> {
  const spec = Object.prototype.hasOwnProperty.call(registry, logicalTopic) ? registry[logicalTopic] : undefined;
  if (!spec) return { ok: false, reason: `unknown topic "${logicalTopic}"`, correlationId: null };
  if (!value || value.length === 0) return { ok: false, reason: 'empty record value (tombstone or null)', correlationId: null };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `value is not JSON: ${(error as Error).message}`, correlationId: null };
  }
  const envelope = EventEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    return { ok: false, reason: `invalid envelope: ${formatIssues(envelope.error.issues)}`, correlationId: guessCorrelationId(json) };
  }
  const { event } = spec;
  const correlationId = envelope.data.correlationId;
  if (envelope.data.type !== event.type) {
    return { ok: false, reason: `event type "${envelope.data.type}" does not belong on ${logicalTopic} (expected "${event.type}")`, correlationId };
  }
  if (envelope.data.schemaVersion !== event.version) {
    return { ok: false, reason: `unsupported schemaVersion ${envelope.data.schemaVersion} of ${event.type} (this consumer reads ${event.version})`, correlationId };
  }
  const payload = event.payload.safeParse(envelope.data.payload);
  if (!payload.success) {
    return { ok: false, reason: `invalid ${event.type} payload: ${formatIssues(payload.error.issues)}`, correlationId };
  }
  return { ok: true, envelope: { ...envelope.data, payload: payload.data } as EventEnvelope<TopicMap[T]> };
}

function formatIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

function guessCorrelationId(json: unknown): string | null {
  if (json && typeof json === 'object' && 'correlationId' in json) {
    const value = (json as { correlationId: unknown }).correlationId;
    return typeof value === 'string' ? value : null;
  }
  return null;
}
