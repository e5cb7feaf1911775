import { Topic } from '@labsync/contracts';
import { EventTooLargeError, OutboxWriter } from './outbox-writer';

const request = (description: string, samples = 1) => ({
  correlationId: 'c-1',
  partnerId: 'acme',
  receivedAt: '2026-12-02T07:00:00.000Z',
  request: {
    portalRequestId: 'PR-1',
    customer: { id: 'C-1', name: 'Acme', email: 'qa@acme.example' },
    priority: 'standard' as const,
    samples: Array.from({ length: samples }, (_, i) => ({ sampleId: `S-${i}`, matrix: 'water', description, collectedAt: '2026-11-20T08:00:00Z', tests: ['PH'] })),
  },
});

describe('OutboxWriter size check', () => {
  it('refuses an event whose record would exceed the topic limit, naming sizes only', () => {
    const writer = new OutboxWriter('s', 'test', 10_000);
    let thrown: unknown;
    try {
      // A valid request (descriptions are at most 500 characters) that is larger than this topic takes.
      writer.prepare(Topic.requestSubmitted, request('x'.repeat(500), 50), { correlationId: 'c-1' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventTooLargeError);
    expect((thrown as EventTooLargeError).maxBytes).toBe(10_000);
    expect((thrown as EventTooLargeError).bytes).toBeGreaterThan(20_000);
    expect((thrown as Error).message).not.toContain('xxxx');
  });

  it('accepts an event that fits', () => {
    const writer = new OutboxWriter('s', 'test', 10_000);
    expect(writer.prepare(Topic.requestSubmitted, request('fits'), { correlationId: 'c-1' }).key).toBe('c-1');
  });
});
