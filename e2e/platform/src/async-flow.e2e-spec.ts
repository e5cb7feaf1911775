import { randomUUID } from 'node:crypto';
import { signPayload } from '@labsync/signatures';
import { TEST_KAFKA_BROKERS, httpJson, sql, waitFor } from '@labsync/testing';
import { Kafka, logLevel } from 'kafkajs';
import { FlowDriver, PARTNERS, inBatches, testRequest } from './flow-checks';
import { LAB_SECRET, PlatformStack } from './platform-stack';

/**
 * The asynchronous flow of the contract, end to end, with the five apps as real processes on the real
 * broker and database: a partner submits, the lab (lab-sim, driven by hand like a technician) works,
 * results come back to the portal (portal-sim) by signed callback.
 */
const REQUESTS = 200;

describe('the asynchronous flow, end to end (five processes, real Kafka and Postgres)', () => {
  // 200 concurrent submissions: the portal-adapter gets a pool of its own size.
  const stack = new PlatformStack(1, { portalAdapter: { DB_POOL_SIZE: '10' } });
  const kafka = new Kafka({ clientId: 'e2e-async-flow', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  const flow = new FlowDriver(stack);
  const submit = flow.submit.bind(flow);
  const statusOf = flow.statusOf.bind(flow);
  const labOrders = flow.labOrders.bind(flow);
  /** High watermarks of the request-submitted topic, summed over its partitions. */
  const submittedOnKafka = async () => {
    const offsets = await admin.fetchTopicOffsets(`${stack.prefix}labsync.requests.submitted.v1`);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  };
  const outboxPending = async () =>
    Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.portalAdapter}".outbox`))[0]!.n);

  beforeAll(async () => {
    await stack.start();
    await admin.connect();
  }, 180_000);

  afterAll(async () => {
    await admin.disconnect();
    await stack.stop();
  }, 60_000);

  it(`takes ${REQUESTS} concurrent requests to the lab exactly once each, and every status and result back to the portal once, in order`, async () => {
    const submissions = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const partner = PARTNERS[i % 2]!;
        return { partner, answer: await submit(partner, testRequest(`PR-E2E-${i}`)) };
      }),
    );
    for (const { answer } of submissions) {
      expect(answer.status).toBe(202);
      expect(answer.headers.get('location')).toBe(`/v1/test-requests/${answer.body.correlationId}`);
      expect(answer.body).toMatchObject({ status: 'RECEIVED', statusUrl: `/v1/test-requests/${answer.body.correlationId}` });
    }
    const requests = submissions.map(({ partner, answer }) => ({ partner, correlationId: answer.body.correlationId as string }));
    expect(new Set(requests.map((r) => r.correlationId)).size).toBe(REQUESTS);

    // The lab holds one order per request, each externalRef posted exactly once.
    const orders = await flow.waitForLabOrders(requests);
    expect(orders).toHaveLength(REQUESTS);
    expect(orders.filter((o) => o.postCount !== 1)).toEqual([]);

    // Every request reaches ACCEPTED_BY_LAB in the partner's view, with the lab's order id.
    await flow.waitForStatus(requests, 'ACCEPTED_BY_LAB');
    const byRef = new Map(orders.map((o) => [o.externalRef, o.labOrderId]));
    const accepted = await inBatches(requests, 20, async (r) => (await statusOf(r.partner, r.correlationId)).body);
    expect(accepted.filter((v) => v.labOrderId !== byRef.get(v.correlationId))).toEqual([]);

    // The lab works; the status endpoint ends at DELIVERED for all, with the results.
    await flow.labWork(orders);
    await flow.waitForStatus(requests, 'DELIVERED', 300_000);
    const sample = await statusOf(requests[0]!.partner, requests[0]!.correlationId);
    expect(sample.body.results).toHaveLength(3);
    expect(sample.body.timeline.map((t: { status: string }) => t.status)).toEqual(
      expect.arrayContaining(['RECEIVED', 'DISPATCHED', 'ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'COMPLETED', 'DELIVERED']),
    );

    // The portal got every status change and result once, in order (the tracker records the status a
    // result causes, RESULTS_PARTIAL, just before the result), from its own partner's callbacks.
    expect(await flow.violations(requests)).toEqual([]);
  }, 600_000);

  it('answers the same idempotency key twice with the same correlation ID and creates one lab order; a different body is 409', async () => {
    const key = randomUUID();
    const body = testRequest('PR-IDEM-1');
    const first = await submit('acme', body, { 'idempotency-key': key });
    const second = await submit('acme', body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.correlationId).toBe(first.body.correlationId);

    const conflicting = await submit('acme', testRequest('PR-IDEM-2'), { 'idempotency-key': key });
    expect(conflicting.status).toBe(409);
    expect(conflicting.headers.get('content-type')).toContain('application/problem+json');

    const [order] = await waitFor(async () => {
      const found = await labOrders(first.body.correlationId);
      return found.length > 0 && found;
    }, { timeoutMs: 60_000, what: 'the lab order of the idempotent request' });
    await waitFor(async () => (await statusOf('acme', first.body.correlationId)).body.status === 'ACCEPTED_BY_LAB', { timeoutMs: 60_000, what: 'ACCEPTED_BY_LAB' });
    const orders = await labOrders(first.body.correlationId);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ labOrderId: order!.labOrderId, postCount: 1 });
  }, 120_000);

  it('answers an invalid body 400 with field paths and publishes nothing', async () => {
    await waitFor(async () => (await outboxPending()) === 0, { timeoutMs: 60_000, what: 'the outbox to drain' });
    const before = await submittedOnKafka();
    const storedBefore = await sql(`SELECT correlation_id FROM "${stack.schemas.portalAdapter}".test_requests`);

    const answer = await submit('acme', { portalRequestId: '', customer: { id: 'C-1' }, priority: 'urgent', samples: [{ sampleId: 'S-1', tests: [] }] });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    const paths = (answer.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/portalRequestId', '/priority', '/samples/0/tests']));

    expect(await sql(`SELECT correlation_id FROM "${stack.schemas.portalAdapter}".test_requests`)).toHaveLength(storedBefore.length);
    expect(await outboxPending()).toBe(0);
    expect(await submittedOnKafka()).toBe(before);
  }, 120_000);

  it('refuses an unsigned or stale lab webhook with 401 and changes nothing', async () => {
    const submitted = await submit('acme', testRequest('PR-WEBHOOK-1'));
    const correlationId = submitted.body.correlationId as string;
    await waitFor(async () => (await statusOf('acme', correlationId)).body.status === 'ACCEPTED_BY_LAB', { timeoutMs: 60_000, what: 'ACCEPTED_BY_LAB' });
    const [order] = await labOrders(correlationId);

    const webhook = {
      eventId: randomUUID(),
      type: 'order.status-changed',
      occurredAt: new Date().toISOString(),
      data: { labOrderId: order!.labOrderId, status: 'COMPLETED' },
    };
    const raw = JSON.stringify(webhook);
    const post = (signature?: string) =>
      fetch(`${stack.labAdapter.url}/v1/lab/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-labsync-event-id': webhook.eventId, ...(signature ? { 'x-labsync-signature': signature } : {}) },
        body: raw,
      });
    expect((await post()).status).toBe(401);
    expect((await post(signPayload(LAB_SECRET, raw, Math.floor(Date.now() / 1000) - 600))).status).toBe(401);
    expect((await post(signPayload('not-the-lab-secret', raw))).status).toBe(401);

    // A correctly signed event sent afterwards is the marker: once it shows, the refused ones would have too.
    const marker = { ...webhook, eventId: randomUUID(), data: { labOrderId: order!.labOrderId, status: 'IN_PROGRESS' } };
    const markerRaw = JSON.stringify(marker);
    const accepted = await fetch(`${stack.labAdapter.url}/v1/lab/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-labsync-event-id': marker.eventId, 'x-labsync-signature': signPayload(LAB_SECRET, markerRaw) },
      body: markerRaw,
    });
    expect(accepted.status).toBe(202);
    const view = await waitFor(async () => {
      const body = (await statusOf('acme', correlationId)).body;
      return body.status === 'IN_PROGRESS' && body;
    }, { timeoutMs: 60_000, what: 'the signed marker event' });
    expect(view.timeline.map((t: { status: string }) => t.status)).not.toContain('COMPLETED');
  }, 120_000);

  it("answers 404 for another partner's request, and 401 without a key", async () => {
    const submitted = await submit('acme', testRequest('PR-PRIVATE-1'));
    expect(submitted.status).toBe(202);
    const correlationId = submitted.body.correlationId as string;
    expect((await statusOf('acme', correlationId)).status).toBe(200);
    const other = await statusOf('globex', correlationId);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect((await statusOf('acme', randomUUID())).status).toBe(404);
    expect((await httpJson('GET', `${stack.portalAdapter.url}/v1/test-requests/${correlationId}`)).status).toBe(401);
    expect((await httpJson('GET', `${stack.portalAdapter.url}/v1/test-requests/${correlationId}`, undefined, { authorization: 'Bearer nope' })).status).toBe(401);
  }, 60_000);
});
