import { z } from 'zod';
import { EventEnvelopeSchema, HEADERS } from './envelope';
import { TOPICS, type TopicRegistry } from './topics';

type JsonSchema = Record<string, unknown>;

function toJsonSchema(schema: z.ZodType): JsonSchema {
  // draft-07 is what AsyncAPI Schema builds on; `io: 'input'` describes what a producer may send.
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as JsonSchema;
  return rest;
}

/** JSON Schema of the full record value on a topic: the envelope with that topic's payload. */
export function envelopeJsonSchemaFor<R extends TopicRegistry = typeof TOPICS>(topic: keyof R & string, registry: R = TOPICS as unknown as R): JsonSchema {
  const { event } = registry[topic]!;
  const envelope = EventEnvelopeSchema.extend({
    type: z.literal(event.type),
    schemaVersion: z.literal(event.version),
    payload: event.payload,
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://labsync.dev/schemas/${topic}.json`,
    title: `${event.type} v${event.version}`,
    description: event.description,
    ...toJsonSchema(envelope),
  };
}

const camel = (topic: string) =>
  topic
    .replace(/^labsync\./, '')
    .replace(/\.v\d+$/, '')
    .replace(/[.-]([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * An AsyncAPI 3 document of every labsync topic, so that non-Node systems can publish and consume. Another
 * registry (a test's entity topics) shows how topics not yet registered would be exported.
 */
export function buildAsyncApiDocument(version: string, registry: TopicRegistry = TOPICS): JsonSchema {
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  const headerSchema = {
    type: 'object',
    properties: Object.fromEntries(Object.values(HEADERS).map((name) => [name, { type: 'string' }])),
    required: [HEADERS.eventId, HEADERS.eventType, HEADERS.correlationId],
  };
  for (const [topic, spec] of Object.entries(registry)) {
    const id = camel(topic);
    const { $schema: _s, $id: _i, ...payload } = envelopeJsonSchemaFor(topic, registry);
    const key = spec.keyedBy === 'entityId' ? 'entity id (a null value under it is a tombstone: the entity is gone)' : 'correlation id';
    messages[id] = {
      name: spec.event.type,
      title: spec.event.type,
      summary: spec.event.description,
      contentType: 'application/json',
      headers: headerSchema,
      payload,
      bindings: { kafka: { key: { type: 'string', description: key }, bindingVersion: '0.5.0' } },
    };
    channels[id] = {
      address: topic,
      description: spec.description,
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
      bindings: {
        kafka: {
          topic,
          partitions: spec.partitions,
          topicConfiguration: { 'cleanup.policy': [spec.compacted ? 'compact' : 'delete'] },
          bindingVersion: '0.5.0',
        },
      },
    };
    operations[`publish${id[0]!.toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      summary: `Publish ${spec.event.type} to ${topic}`,
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'labsync events',
      version,
      description:
        'Every Kafka topic labsync uses. Each record value is a JSON event envelope; the key is the correlation id.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The local single-node broker (npm start).' },
    },
    channels,
    operations,
    components: { messages },
  };
}
