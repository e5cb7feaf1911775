import type { Topic, TopicMap } from '@labsync/contracts';

/** A minimal valid request.submitted payload for `correlationId`, as the portal-adapter publishes it. */
export const requestSubmittedPayload = (correlationId: string): TopicMap[typeof Topic.requestSubmitted] => ({
  correlationId,
  partnerId: 'acme',
  receivedAt: new Date().toISOString(),
  request: {
    portalRequestId: `PR-${correlationId}`,
    customer: { id: 'C-1', name: 'Acme', email: 'qa@acme.example' },
    priority: 'standard',
    samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH'] }],
  },
});
