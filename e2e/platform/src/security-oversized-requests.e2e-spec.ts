import { httpJson, sql, waitFor } from '@labsync/testing';
import { FlowDriver, testRequest, type AcknowledgedRequest } from './flow-checks';
import { PlatformStack } from './platform-stack';

/**
 * The audit's critical reproduction, replayed against the five processes: concurrent ~249 kB requests from
 * one partner once made every outbox batch unpublishable, stalled every other partner, and lost a request
 * answered 202. Now each large request is published (the relay sizes produce requests by bytes), reaches the
 * lab and gets the lab's answer, the other partner's request goes through beside them, and nothing is parked.
 */
const LARGE_REQUESTS = 10;

/** 100 samples x 50 distinct 32-character test codes, 500-character descriptions: about 235 kB of JSON (the audit's bodies were 249 kB). */
function hostileBody(portalRequestId: string) {
  return {
    ...testRequest(portalRequestId),
    samples: Array.from({ length: 100 }, (_, s) => ({
      sampleId: `S-${s}`,
      matrix: 'water',
      description: 'd'.repeat(500),
      collectedAt: '2026-11-20T08:00:00Z',
      tests: Array.from({ length: 50 }, (_, t) => `T${String(s * 50 + t).padStart(31, '0')}`),
    })),
  };
}

describe('oversized requests (the audit reproduction, five processes, real Kafka and Postgres)', () => {
  const OPERATOR_KEY = 'e2e-oversized-operator-key';
  const stack = new PlatformStack(48, { portalAdapter: { OPERATOR_API_KEY: OPERATOR_KEY, PARTNER_RATE_LIMIT: '1000' } });
  const flow = new FlowDriver(stack);

  beforeAll(() => stack.start(), 180_000);
  afterAll(() => stack.stop(), 60_000);

  it(`publishes ${LARGE_REQUESTS} concurrent ~249 kB requests, each reaching the lab once, while another partner's request goes through`, async () => {
    const body = hostileBody('PR-HUGE-0');
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(230_000);

    const [large, small] = await Promise.all([
      Promise.all(Array.from({ length: LARGE_REQUESTS }, (_, i) => flow.submit('acme', hostileBody(`PR-HUGE-${i}`)))),
      flow.submit('globex', testRequest('PR-SMALL-BESIDE-HUGE')),
    ]);
    for (const answer of large) expect(answer.status).toBe(202);
    expect(small.status).toBe(202);
    const largeRequests: AcknowledgedRequest[] = large.map((a) => ({ partner: 'acme', correlationId: a.body.correlationId as string }));
    const smallRequest: AcknowledgedRequest = { partner: 'globex', correlationId: small.body.correlationId as string };

    // The other partner is not held up behind the large ones.
    await flow.waitForStatus([smallRequest], 'ACCEPTED_BY_LAB', 60_000);
    // Every large one reached the lab and came back with its answer (the lab runs none of these test codes).
    await flow.waitForStatus(largeRequests, 'REJECTED_BY_LAB', 120_000);
    const rejected = await flow.statusOf('acme', largeRequests[0]!.correlationId);
    expect(rejected.body.timeline.map((t: { status: string }) => t.status)).toEqual(expect.arrayContaining(['RECEIVED', 'DISPATCHED', 'REJECTED_BY_LAB']));

    // Each request.submitted was published once, and nothing was set aside or left behind.
    const schema = stack.schemas.portalAdapter;
    expect(await sql(`SELECT id FROM "${schema}".outbox_parked`)).toEqual([]);
    await waitFor(async () => (await sql(`SELECT id FROM "${schema}".outbox`)).length === 0, { what: 'the portal-adapter outbox to drain' });
    const parked = await httpJson('GET', `${stack.portalAdapter.url}/v1/operator/outbox/parked`, undefined, { authorization: `Bearer ${OPERATOR_KEY}` });
    expect(parked.status).toBe(200);
    expect((await fetch(`${stack.portalAdapter.url}/health/ready`)).status).toBe(200);
  });
});
