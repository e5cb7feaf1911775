import { createEnvelope, type TopicMap, Topic } from '@labsync/contracts';
import { KafkaEventContext, PermanentEventError } from '@labsync/messaging';
import type { EntityManager } from 'typeorm';
import type { EnqueueLabDispatch } from './enqueue-lab-dispatch.use-case';
import { RequestSubmittedConsumer } from './request-submitted.consumer';

const submitted = (correlationId: string): TopicMap[typeof Topic.requestSubmitted] => ({
  correlationId,
  partnerId: 'acme',
  receivedAt: '2026-11-20T08:00:00.000Z',
  request: {
    portalRequestId: 'PR-1',
    customer: { id: 'C-1', name: 'Acme', email: 'qa@acme.example' },
    priority: 'standard',
    samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH'] }],
  },
});

function contextFor(envelopeCorrelationId: string, payload: TopicMap[typeof Topic.requestSubmitted]) {
  const envelope = createEnvelope({ type: 'request.submitted', schemaVersion: 1, correlationId: envelopeCorrelationId, sourceSystem: 'spec', payload });
  return new KafkaEventContext<typeof Topic.requestSubmitted>([{ envelope, manager: {} as EntityManager, topic: Topic.requestSubmitted, partition: 0, offset: '0' }]);
}

describe('RequestSubmittedConsumer', () => {
  const enqueued: string[] = [];
  const consumer = new RequestSubmittedConsumer({ execute: async (_m: EntityManager, c: { submitted: { correlationId: string } }) => void enqueued.push(c.submitted.correlationId) } as unknown as EnqueueLabDispatch);

  it('refuses, as permanent (dead-lettered at once), a payload whose correlation id is not the envelope\'s', async () => {
    const payload = submitted('c-payload');
    await expect(consumer.onRequestSubmitted(payload, contextFor('c-envelope', payload))).rejects.toThrow(PermanentEventError);
    expect(enqueued).toEqual([]);
  });

  it('queues a consistent request for the lab', async () => {
    const payload = submitted('c-1');
    await consumer.onRequestSubmitted(payload, contextFor('c-1', payload));
    expect(enqueued).toEqual(['c-1']);
  });
});
