import { Topic, notificationIdFor, type CorrelationSnapshot } from '@labsync/contracts';
import { sql, waitFor, httpJson, type TopicReader } from '@labsync/testing';
import { LIFECYCLE, NOTIFIED_SEQS, snapshotsOf } from '../test/correlation-snapshots';
import { ACME, GLOBEX, partnerApiSuite, requestBody } from '../test/partner-api-suite';
import { bearer as auth } from '../test/portal-adapter-under-test';

/** The partner API (requests, idempotency keys, status) and status callbacks; synchronous answers: sync-answers/sync-answers.int-spec.ts. */
describe('portal-adapter (real Kafka, real Postgres, a fake partner portal)', () => {
  const suite = partnerApiSuite('portal-adapter');
  const { portal, post, get, storedRequests, drained, submit } = suite;
  let deliveries: TopicReader<typeof Topic.portalDeliverySucceeded>;
  const publishSnapshots = (snapshots: CorrelationSnapshot[]) => suite.run.publishSnapshots(snapshots);

  beforeAll(async () => {
    deliveries = await suite.run.kafka.reader(Topic.portalDeliverySucceeded);
  });

  describe('POST /v1/test-requests', () => {
    it('stores a valid request, answers 202 with its location, and publishes exactly one request.submitted', async () => {
      const response = await post(requestBody('PR-VALID-1'));
      expect(response.status).toBe(202);
      const { correlationId } = response.body;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body).toEqual({ correlationId, status: 'RECEIVED', statusUrl: `/v1/test-requests/${correlationId}` });
      expect(response.headers.get('location')).toBe(`/v1/test-requests/${correlationId}`);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(response.headers.get('preference-applied')).toBeNull();

      const [stored] = await storedRequests('correlation_id = $1', [correlationId]);
      expect(stored).toMatchObject({ partner_id: 'acme', portal_request_id: 'PR-VALID-1', idempotency_key: null });
      expect((stored!['request'] as { samples: { tests: string[] }[] }).samples[0]!.tests).toEqual(['PH', 'LEAD']);

      await drained(suite.submitted);
      const events = suite.submitted.records.filter((r) => r.envelope.payload.correlationId === correlationId);
      expect(events).toHaveLength(1);
      expect(events[0]!.key).toBe(correlationId);
      expect(events[0]!.envelope).toMatchObject({ type: 'request.submitted', correlationId, sourceSystem: 'portal-adapter' });
      expect(events[0]!.envelope.payload).toEqual({
        correlationId,
        partnerId: 'acme',
        receivedAt: new Date(stored!['received_at'] as Date).toISOString(),
        request: { ...requestBody('PR-VALID-1'), samples: [{ ...requestBody('PR-VALID-1').samples[0], tests: ['PH', 'LEAD'] }] },
      });

      const status = await get(correlationId);
      expect(status.status).toBe(200);
      expect(status.body).toEqual({
        correlationId,
        portalRequestId: 'PR-VALID-1',
        status: 'RECEIVED',
        timeline: [{ at: events[0]!.envelope.payload.receivedAt, status: 'RECEIVED', source: 'portal' }],
        results: [],
      });
    });


    it('refuses an invalid body with field paths, and stores and publishes nothing', async () => {
      const body = { ...requestBody('PR-INVALID-1'), priority: 'urgent', samples: [{ ...requestBody('x').samples[0], tests: [] }] };
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: 400, detail: expect.any(String) });
      expect(response.body.errors).toEqual([
        { path: '/priority', message: 'priority must be "standard" or "rush"' },
        { path: '/samples/0/tests', message: 'at least one test code is required' },
      ]);
      expect(await storedRequests('portal_request_id = $1', ['PR-INVALID-1'])).toHaveLength(0);

      // A valid request sent afterwards is published; the invalid one never is.
      const after = await submit('PR-AFTER-INVALID');
      await drained(suite.submitted);
      expect(suite.submitted.payloads().some((p) => p.correlationId === after)).toBe(true);
      expect(suite.submitted.payloads().some((p) => p.request.portalRequestId === 'PR-INVALID-1')).toBe(false);
    });

    it('answers problem+json for a body that is not JSON, not application/json, or too large', async () => {
      const notJson = await post('{"portalRequestId": ', auth(ACME));
      expect(notJson.status).toBe(400);
      expect(notJson.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      const text = await fetch(`${suite.url}/v1/test-requests`, { method: 'POST', headers: { ...auth(ACME), 'content-type': 'text/plain' }, body: 'hello' });
      expect(text.status).toBe(415);
      expect(text.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      // Over TEST_REQUEST_BODY_LIMIT (512 kB by default).
      const huge = await post({ ...requestBody('PR-HUGE'), notes: 'x'.repeat(600_000) });
      expect(huge.status).toBe(413);
      expect(huge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await storedRequests('portal_request_id = $1', ['PR-HUGE'])).toHaveLength(0);
    });

    it('answers 401 with a Bearer challenge for a missing or wrong API key, and stores nothing', async () => {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-real-key' }, { authorization: `Basic ${ACME.apiKey}` }];
      for (const headers of attempts) {
        const response = await post(requestBody('PR-UNAUTHORISED'), headers);
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="labsync"/);
      }
      expect((await httpJson('GET', `${suite.url}/v1/test-requests/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`)).status).toBe(401);
      expect(await storedRequests('portal_request_id = $1', ['PR-UNAUTHORISED'])).toHaveLength(0);
    });

    it('refuses a malformed Idempotency-Key', async () => {
      const response = await post(requestBody('PR-BAD-KEY'), { ...auth(ACME), 'idempotency-key': 'has spaces in it' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ header: 'Idempotency-Key' });
      expect(await storedRequests('portal_request_id = $1', ['PR-BAD-KEY'])).toHaveLength(0);
    });
  });

  describe('idempotency keys', () => {
    it('answers a repeated key and body with the original answer, creating nothing new', async () => {
      const headers = { ...auth(ACME), 'idempotency-key': 'key-sequential-1' };
      const first = await post(requestBody('PR-IDEM-1'), headers);
      // Same body with its keys in another order: still the same request.
      const { notes, samples, priority, customer, portalRequestId } = requestBody('PR-IDEM-1');
      const second = await post({ notes, samples, priority, customer, portalRequestId }, headers);
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('location')).toBe(first.headers.get('location'));
      expect(await storedRequests('portal_request_id = $1', ['PR-IDEM-1'])).toHaveLength(1);
      await drained(suite.submitted);
      expect(suite.submitted.payloads().filter((p) => p.request.portalRequestId === 'PR-IDEM-1')).toHaveLength(1);
    });

    it('gives concurrent identical requests one correlation id, one row and one event', async () => {
      const headers = { ...auth(ACME), 'idempotency-key': 'key-concurrent-1' };
      const responses = await Promise.all(Array.from({ length: 8 }, () => post(requestBody('PR-IDEM-RACE'), headers)));
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
      const ids = new Set(responses.map((r) => r.body.correlationId));
      expect(ids.size).toBe(1);
      const rows = await storedRequests('portal_request_id = $1', ['PR-IDEM-RACE']);
      expect(rows.map((r) => r['correlation_id'])).toEqual([...ids]);
      expect(await sql(`SELECT * FROM "${suite.schema}".idempotency_keys WHERE key = $1`, ['key-concurrent-1'])).toHaveLength(1);
      await drained(suite.submitted);
      expect(suite.submitted.payloads().filter((p) => p.request.portalRequestId === 'PR-IDEM-RACE')).toHaveLength(1);
    });

    it('answers 409 when a key comes back with a different body, and keeps keys apart per partner', async () => {
      const key = { 'idempotency-key': 'key-reused-1' };
      const first = await post(requestBody('PR-IDEM-2'), { ...auth(ACME), ...key });
      const conflict = await post(requestBody('PR-IDEM-2-CHANGED'), { ...auth(ACME), ...key });
      expect(conflict.status).toBe(409);
      expect(conflict.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(conflict.body).toMatchObject({ status: 409, detail: expect.stringMatching(/different body/) });
      expect(await storedRequests('portal_request_id = $1', ['PR-IDEM-2-CHANGED'])).toHaveLength(0);

      // Another partner's identical key is its own key.
      const globex = await post(requestBody('PR-IDEM-2'), { ...auth(GLOBEX), ...key });
      expect(globex.status).toBe(202);
      expect(globex.body.correlationId).not.toBe(first.body.correlationId);
    });
  });

  describe('GET /v1/test-requests/:correlationId', () => {
    it('shows a partner only its own requests: another partner, an unknown id and a non-uuid are all 404', async () => {
      const correlationId = await submit('PR-OWNED');
      expect((await get(correlationId, ACME)).status).toBe(200);
      for (const response of [
        await get(correlationId, GLOBEX),
        await get('5b0c2c56-1f7e-4a51-9a0a-3c3c3c3c3c3c'),
        await get('not-a-uuid'),
      ]) {
        expect(response.status).toBe(404);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.body.detail).toBe('No test request with this correlation id exists for your partner account.');
      }
    });
  });

  describe('status snapshots and callbacks', () => {
    function expectDeliveredInOrder(correlationId: string): void {
      const expectedIds = NOTIFIED_SEQS.map((seq) => notificationIdFor(correlationId, seq));
      const arrivals = portal.arrivals.filter((a) => a.correlationId === correlationId);
      // Each notification acknowledged exactly once, in seq order...
      expect(portal.acknowledged(correlationId).map((a) => a.eventId)).toEqual(expectedIds);
      // ...and nothing of seq n+1 was even attempted before n was acknowledged.
      const seqOf = new Map(expectedIds.map((id, i) => [id, NOTIFIED_SEQS[i]!]));
      const attemptedSeqs = arrivals.map((a) => seqOf.get(a.eventId));
      expect(attemptedSeqs).toEqual([...attemptedSeqs].sort((a, b) => a! - b!));
      for (const arrival of arrivals) {
        expect(arrival.signatureValid).toBe(true);
        expect(arrival.headerEventId).toBe(arrival.eventId);
        expect(Object.keys(arrival.body)).toEqual(['eventId', 'type', 'correlationId', 'portalRequestId', 'occurredAt', 'data']);
      }
    }

    it('delivers every notification once, in order, signed, despite old and repeated snapshots; GET shows the newest', async () => {
      const correlationId = await submit('PR-CALLBACKS');
      const v = snapshotsOf(correlationId, 'acme', 'PR-CALLBACKS', LIFECYCLE);
      // Versions 1..8 with older and repeated ones in between (redeliveries, a tracker replay).
      await publishSnapshots([v[0]!, v[1]!, v[2]!, v[1]!, v[3]!, v[4]!, v[2]!, v[5]!, v[6]!, v[7]!, v[7]!, v[0]!]);

      await waitFor(() => portal.acknowledged(correlationId).length >= NOTIFIED_SEQS.length, { what: 'every callback to be acknowledged' });
      await waitFor(() => deliveries.payloads().filter((d) => d.correlationId === correlationId).length >= NOTIFIED_SEQS.length, {
        what: 'delivery-succeeded for every notification',
      });
      await drained(deliveries);
      expectDeliveredInOrder(correlationId);
      expect(portal.arrivals.filter((a) => a.correlationId === correlationId).every((a) => a.partner === 'acme')).toBe(true);

      const acknowledged = portal.acknowledged(correlationId);
      expect(acknowledged[0]!.body).toEqual({
        eventId: notificationIdFor(correlationId, 2),
        type: 'status.changed',
        correlationId,
        portalRequestId: 'PR-CALLBACKS',
        occurredAt: v[1]!.timeline[1]!.at,
        data: { status: 'DISPATCHED' },
      });
      expect(acknowledged[5]!.body).toMatchObject({
        type: 'result.reported',
        data: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [{ name: 'pH', value: 7.2, unit: '', flag: 'N' }] },
      });

      const succeeded = deliveries.payloads().filter((d) => d.correlationId === correlationId);
      expect(succeeded.map((d) => d.seq).sort((a, b) => a - b)).toEqual(NOTIFIED_SEQS);
      expect(succeeded.every((d) => d.attempts === 1 && d.notificationId === notificationIdFor(correlationId, d.seq))).toBe(true);

      const status = await get(correlationId);
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ correlationId, portalRequestId: 'PR-CALLBACKS', status: 'COMPLETED', labOrderId: 'L-1001' });
      expect(status.body.timeline.map((t: { status: string }) => t.status)).toEqual([
        'RECEIVED',
        'DISPATCHED',
        'ACCEPTED_BY_LAB',
        'IN_PROGRESS',
        'RESULTS_PARTIAL',
        'COMPLETED',
      ]);
      expect(status.body.results.map((r: { resultStatus: string }) => r.resultStatus)).toEqual(['preliminary', 'final']);
      expect(status.body.results[0]).toEqual({
        sampleId: 'S-1',
        testCode: 'PH',
        resultStatus: 'preliminary',
        analytes: [{ name: 'pH', value: 7.1, unit: '' }],
        reportedAt: v[4]!.results[0]!.reportedAt,
      });
    });

    it('retries a portal answering 503 with backoff and still delivers each notification once and in order', async () => {
      const correlationId = await submit('PR-FLAKY-PORTAL', GLOBEX);
      portal.failures.set(notificationIdFor(correlationId, 2), 3);
      portal.failures.set(notificationIdFor(correlationId, 5), 2);
      const v = snapshotsOf(correlationId, 'globex', 'PR-FLAKY-PORTAL', LIFECYCLE);
      await publishSnapshots(v);

      await waitFor(() => portal.acknowledged(correlationId).length >= NOTIFIED_SEQS.length, { what: 'every callback to be acknowledged' });
      await waitFor(() => deliveries.payloads().filter((d) => d.correlationId === correlationId).length >= NOTIFIED_SEQS.length, {
        what: 'delivery-succeeded for every notification',
      });
      await drained(deliveries);
      expectDeliveredInOrder(correlationId);

      const arrivals = portal.arrivals.filter((a) => a.correlationId === correlationId);
      expect(arrivals.filter((a) => a.eventId === notificationIdFor(correlationId, 2)).map((a) => a.answered)).toEqual([503, 503, 503, 200]);
      expect(arrivals.filter((a) => a.eventId === notificationIdFor(correlationId, 5)).map((a) => a.answered)).toEqual([503, 503, 200]);
      expect(arrivals).toHaveLength(NOTIFIED_SEQS.length + 5);

      const attempts = new Map(deliveries.payloads().filter((d) => d.correlationId === correlationId).map((d) => [d.seq, d.attempts]));
      expect(attempts.get(2)).toBe(4);
      expect(attempts.get(5)).toBe(3);
      expect(attempts.get(3)).toBe(1);

      const rows = await sql<{ state: string; attempts: number }>(`SELECT state, attempts FROM "${suite.schema}".callback_deliveries WHERE correlation_id = $1 ORDER BY seq`, [
        correlationId,
      ]);
      expect(rows.map((r) => r.state)).toEqual(Array(NOTIFIED_SEQS.length).fill('DELIVERED'));
      expect((await get(correlationId, GLOBEX)).body.status).toBe('COMPLETED');
    });

    it('keeps delivering while every delivery slot is busy and more notifications arrive (a slow portal, many correlations)', async () => {
      // Regression: with all CALLBACK_CONCURRENCY slots in flight, a wake-up from NOTIFY made the worker
      // loop on an already-resolved promise and starve the event loop; deliveries stopped for good.
      portal.answerDelayMs = 25;
      try {
        const correlationIds = await Promise.all(Array.from({ length: 12 }, (_, i) => submit(`PR-BUSY-${i}`)));
        await publishSnapshots(correlationIds.flatMap((id, i) => snapshotsOf(id, 'acme', `PR-BUSY-${i}`, LIFECYCLE)));
        await waitFor(() => correlationIds.every((id) => portal.acknowledged(id).length >= NOTIFIED_SEQS.length), {
          timeoutMs: 60_000,
          what: 'every callback of 12 correlations to be acknowledged',
        });
        for (const id of correlationIds) expectDeliveredInOrder(id);
      } finally {
        portal.answerDelayMs = 0;
      }
    });

    it('exposes what happened as Prometheus metrics', async () => {
      // Other tests' snapshots (the synchronous answers) may still have callbacks in flight: let them land
      // first, so the counters and the portal's arrivals describe the same moment.
      await waitFor(async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${suite.schema}".callback_deliveries WHERE state = 'PENDING'`))[0]!.n) === 0, {
        what: 'every queued callback to be delivered',
      });
      const metrics = await (await fetch(`${suite.url}/metrics`)).text();
      const value = (line: RegExp) => Number(metrics.split('\n').find((l) => line.test(l))?.split(' ').pop());
      expect(value(/^labsync_partner_requests_total\{.*partner="acme".*outcome="accepted"/)).toBeGreaterThan(0);
      expect(value(/^labsync_partner_requests_total\{.*partner="acme".*outcome="replayed"/)).toBeGreaterThan(0);
      expect(value(/^labsync_partner_requests_total\{.*partner="acme".*outcome="conflict"/)).toBe(1);
      expect(value(/^labsync_partner_requests_total\{.*partner="acme".*outcome="invalid"/)).toBeGreaterThan(0);
      expect(value(/^labsync_callback_attempts_total\{.*partner="globex".*outcome="rejected"/)).toBe(5);
      const acmeAcknowledged = portal.arrivals.filter((a) => a.partner === 'acme' && a.answered === 200).length;
      expect(acmeAcknowledged).toBeGreaterThanOrEqual(NOTIFIED_SEQS.length * 13);
      expect(value(/^labsync_callback_attempts_total\{.*partner="acme".*outcome="delivered"/)).toBe(acmeAcknowledged);
      expect(value(/^labsync_callback_request_seconds_count\{.*partner="acme"/)).toBe(acmeAcknowledged);
      expect(value(/^labsync_callback_deliveries_pending\{/)).toBe(0);
    });
  });
});
