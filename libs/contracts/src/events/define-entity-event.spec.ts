import { Parser } from '@asyncapi/parser';
import { z } from 'zod';
import { buildAsyncApiDocument, envelopeJsonSchemaFor } from '../schema-export';
import { entityTopic } from '../topics';
import { defineEntityEvent, type EntityChange } from './define-entity-event';

const CustomerAccountChanged = defineEntityEvent({
  type: 'test.customer-account.changed',
  version: 1,
  description: 'A customer account as the portal holds it, or its deletion.',
  entity: z.object({ accountId: z.string(), name: z.string() }),
  deletion: { reason: z.enum(['closed', 'merged']) },
});
const ENTITY_TOPICS = { 'labsync.test.customer-accounts.v1': entityTopic(CustomerAccountChanged, { partitions: 6, description: 'Customer accounts (spec only).' }) } as const;

describe('entity events (an upsert or a typed delete, discriminated by kind)', () => {
  it('parses both kinds and refuses a delete without its deletion fields or a payload of neither kind', () => {
    const parse = (value: unknown) => CustomerAccountChanged.payload.safeParse(value);
    const upsert: EntityChange<typeof CustomerAccountChanged> = { kind: 'upserted', entityId: 'A-1', entity: { accountId: 'A-1', name: 'Acme' } };
    const deletion: EntityChange<typeof CustomerAccountChanged> = { kind: 'deleted', entityId: 'A-1', deletedAt: '2026-12-02T10:00:00Z', reason: 'merged' };
    expect(parse(upsert).success).toBe(true);
    expect(parse(deletion).success).toBe(true);
    expect(parse({ kind: 'deleted', entityId: 'A-1', deletedAt: '2026-12-02T10:00:00Z' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['reason']);
    expect(parse({ kind: 'renamed', entityId: 'A-1' }).success).toBe(false);
  });

  it('declares an entity topic compacted, with tombstones, keyed by entity id', () => {
    expect(ENTITY_TOPICS['labsync.test.customer-accounts.v1']).toMatchObject({ compacted: true, tombstones: true, keyedBy: 'entityId', partitions: 6 });
  });

  it('exports as JSON Schema (one alternative per kind) and AsyncAPI that a real parser accepts', async () => {
    const schema = envelopeJsonSchemaFor('labsync.test.customer-accounts.v1', ENTITY_TOPICS) as { properties: { payload: { oneOf?: { properties: { kind: { const: string } } }[] } } };
    expect(schema.properties.payload.oneOf?.map((o) => o.properties.kind.const)).toEqual(['upserted', 'deleted']);
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(buildAsyncApiDocument('0.0.0', ENTITY_TOPICS)));
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => d.message)).toEqual([]);
    const channel = document!.channels().all()[0]!;
    expect(channel.address()).toBe('labsync.test.customer-accounts.v1');
    expect(channel.bindings().get('kafka')!.value()).toMatchObject({ topicConfiguration: { 'cleanup.policy': ['compact'] } });
    const key = channel.messages().all()[0]!.bindings().get('kafka')!.value() as { key: { description: string } };
    expect(key.key.description).toMatch(/^entity id/);
  });
});
