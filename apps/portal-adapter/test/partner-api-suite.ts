import { Topic, type TopicMap } from '@labsync/contracts';
import { FakePortal, httpJson, waitFor, type TopicReader } from '@labsync/testing';
import { PortalAdapterUnderTest, bearer } from './portal-adapter-under-test';

export const ACME = { id: 'acme', apiKey: 'acme-int-api-key', callbackSecret: 'acme-int-callback-secret' };
export const GLOBEX = { id: 'globex', apiKey: 'globex-int-api-key', callbackSecret: 'globex-int-callback-secret' };

export const requestBody = (portalRequestId: string) => ({
  portalRequestId,
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'lead'] }],
  notes: 'optional',
});

/**
 * The portal-adapter the partner-facing suites drive (registered in the calling describe's beforeAll and
 * afterAll): acme and globex, a fake portal for their callbacks, fast retries, a reader of request.submitted.
 */
export function partnerApiSuite(label: string) {
  const portal = new FakePortal({ acme: ACME.callbackSecret, globex: GLOBEX.callbackSecret });
  const run = new PortalAdapterUnderTest({
    label,
    partners: [ACME, GLOBEX],
    portal,
    settings: {
      CALLBACK_RETRY_BASE_MS: '20',
      CALLBACK_RETRY_MAX_MS: '200',
      CALLBACK_TIMEOUT_MS: '3000',
      CALLBACK_CONCURRENCY: '4',
      REPLICA_ID: 'int-replica',
      // Suites here burst and poll far beyond a partner's default rate; the limit has its own specs.
      PARTNER_RATE_LIMIT: '100000',
    },
  });
  let submitted: TopicReader<typeof Topic.requestSubmitted>;

  beforeAll(async () => {
    await run.start();
    submitted = await run.kafka.reader(Topic.requestSubmitted);
  });
  afterAll(() => run.stop());

  const post = (body: unknown, headers: Record<string, string> = bearer(ACME)) => httpJson('POST', `${run.url}/v1/test-requests`, body, headers);
  return {
    run,
    portal,
    schema: run.schema,
    get url() {
      return run.url;
    },
    get submitted() {
      return submitted;
    },
    post,
    get: (correlationId: string, partner = ACME) => httpJson('GET', `${run.url}/v1/test-requests/${correlationId}`, undefined, bearer(partner)),
    storedRequests: (where: string, values: unknown[]) => run.rows('test_requests', where, values),

    /** Everything the app committed to its outbox is on Kafka, and the reader has read all of it. */
    async drained(reader: TopicReader<keyof TopicMap>): Promise<void> {
      await waitFor(async () => (await run.count('outbox')) === 0, { what: 'the outbox to drain' });
      await waitFor(() => reader.caughtUp(), { what: `the reader of ${reader.topic} to catch up` });
    },

    async submit(portalRequestId: string, partner = ACME): Promise<string> {
      const response = await post(requestBody(portalRequestId), bearer(partner));
      expect(response.status).toBe(202);
      return response.body.correlationId as string;
    },
  };
}
