import type { Topic, TopicMap } from '@labsync/contracts';

type RequestSubmitted = TopicMap[typeof Topic.requestSubmitted];

/** A minimal valid request.submitted payload for `correlationId`, as the portal-adapter publishes it (one sample, unless given others). */
export const requestSubmittedPayload = (
  correlationId: string,
  samples: RequestSubmitted['request']['samples'] = [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH'] }],
): RequestSubmitted => ({
  correlationId,
  partnerId: 'acme',
  receivedAt: new Date().toISOString(),
  request: {
    portalRequestId: `PR-${correlationId}`,
    customer: { id: 'C-1', name: 'Acme', email: 'qa@acme.example' },
    priority: 'standard',
    samples,
  },
});
