import {
  CorrelationStatusChanged,
  Topic,
  notificationIdFor,
  type CorrelationSnapshot,
  type CorrelationStatus,
  type RecordedResult,
  type TimelineEntry,
  type TopicMap,
} from '@labsync/contracts';
import { TopicNaming, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { startService, type RunningService } from '@labsync/service-runtime';
import {
  TEST_DATABASE_URL,
  TEST_KAFKA_BROKERS,
  dropSchemas,
  FakePortal,
  httpJson,
  sql,
  TopicReader,
  uniqueSchema,
  uniqueTopicPrefix,
  waitFor,
  deleteTestTopics,
  publishCorrelationSnapshots
} from '@labsync/testing';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { portalAdapter } from './portal-adapter.definition';

const ACME = { id: 'acme', apiKey: 'acme-int-api-key', callbackSecret: 'acme-int-callback-secret' };
const GLOBEX = { id: 'globex', apiKey: 'globex-int-api-key', callbackSecret: 'globex-int-callback-secret' };
const SECRETS: Record<string, string> = { acme: ACME.callbackSecret, globex: GLOBEX.callbackSecret };

const auth = (partner: { apiKey: string }) => ({ authorization: `Bearer ${partner.apiKey}` });

const requestBody = (portalRequestId: string) => ({
  portalRequestId,
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'lead'] }],
  notes: 'optional',
});

/** Cumulative snapshots, as the correlation-tracker publishes them: version k holds the first k steps. */
type Step = { status: CorrelationStatus; source: TimelineEntry['source']; labOrderId?: string } | { result: Omit<RecordedResult, 'seq' | 'reportedAt'> };

function snapshotsOf(correlationId: string, partnerId: string, portalRequestId: string, steps: Step[]): CorrelationSnapshot[] {
  const start = Date.parse('2026-11-20T08:00:00Z');
  const at = (seq: number) => new Date(start + seq * 60_000).toISOString();
  return steps.map((_, index) => {
    const timeline: TimelineEntry[] = [];
    const results: RecordedResult[] = [];
    let labOrderId: string | null = null;
    steps.slice(0, index + 1).forEach((step, i) => {
      const seq = i + 1;
      if ('result' in step) results.push({ ...step.result, seq, reportedAt: at(seq) });
      else {
        timeline.push({ seq, at: at(seq), status: step.status, source: step.source });
        labOrderId = step.labOrderId ?? labOrderId;
      }
    });
    return CorrelationStatusChanged.payload.parse({
      correlationId,
      partnerId,
      portalRequestId,
      status: timeline[timeline.length - 1]!.status,
      labOrderId,
      version: index + 1,
      updatedAt: at(index + 1),
      timeline,
      results,
    });
  });
}

const LIFECYCLE: Step[] = [
  { status: 'RECEIVED', source: 'portal' },
  { status: 'DISPATCHED', source: 'labsync' },
  { status: 'ACCEPTED_BY_LAB', source: 'lab', labOrderId: 'L-1001' },
  { status: 'IN_PROGRESS', source: 'lab' },
  { result: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: '' }], labEventId: 'lab-e-1' } },
  { status: 'RESULTS_PARTIAL', source: 'labsync' },
  { result: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [{ name: 'pH', value: 7.2, unit: '', flag: 'N' }], labEventId: 'lab-e-2' } },
  { status: 'COMPLETED', source: 'lab' },
];
/** RECEIVED (seq 1) is never sent to the portal. */
const NOTIFIED_SEQS = [2, 3, 4, 5, 6, 7, 8];

describe('portal-adapter (real Kafka, real Postgres, a fake partner portal)', () => {
  const schema = uniqueSchema('portal_adapter');
  const prefix = uniqueTopicPrefix('portal-adapter');
  const naming = new TopicNaming(prefix);
  const portal = new FakePortal(SECRETS);
  const logger = createLogger('portal-adapter-int', 'warn');
  let service: RunningService;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let submitted: TopicReader<typeof Topic.requestSubmitted>;
  let deliveries: TopicReader<typeof Topic.portalDeliverySucceeded>;
  let url: string;

  const post = (body: unknown, headers: Record<string, string> = auth(ACME)) => httpJson('POST', `${url}/v1/test-requests`, body, headers);
  const get = (correlationId: string, partner = ACME) => httpJson('GET', `${url}/v1/test-requests/${correlationId}`, undefined, auth(partner));
  const storedRequests = (where: string, values: unknown[]) => sql(`SELECT * FROM "${schema}".test_requests WHERE ${where}`, values);
  /** The first sample of /metrics matching `line` (NaN when there is none). */
  const metricValue = async (line: RegExp) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop());
  };

  /** Everything the app committed to its outbox is on Kafka, and the reader has read all of it. */
  async function drained(reader: TopicReader<keyof TopicMap>): Promise<void> {
    await waitFor(async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox`))[0]!.n) === 0, { what: 'the outbox to drain' });
    await waitFor(() => reader.caughtUp(), { what: `the reader of ${reader.topic} to catch up` });
  }

  const publishSnapshots = (snapshots: CorrelationSnapshot[]) => publishCorrelationSnapshots(producer, naming, snapshots);

  async function submit(portalRequestId: string, partner = ACME): Promise<string> {
    const response = await post(requestBody(portalRequestId), auth(partner));
    expect(response.status).toBe(202);
    return response.body.correlationId as string;
  }

  beforeAll(async () => {
    await portal.start();
    const partners = [ACME, GLOBEX].map((p) => ({ ...p, callbackUrl: `${portal.url}/${p.id}` }));
    service = await startService(portalAdapter, {
      ...process.env,
      DATABASE_URL: TEST_DATABASE_URL,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      DB_SCHEMA: schema,
      KAFKA_TOPIC_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      PARTNERS: JSON.stringify(partners),
      CALLBACK_RETRY_BASE_MS: '20',
      CALLBACK_RETRY_MAX_MS: '200',
      CALLBACK_TIMEOUT_MS: '3000',
      CALLBACK_CONCURRENCY: '4',
      REPLICA_ID: 'int-replica',
      // Suites here burst and poll far beyond a partner's default rate; the limit has its own specs.
      PARTNER_RATE_LIMIT: '100000',
    });
    url = service.url;
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'portal-adapter-int', topicPrefix: '' }, logger);
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    submitted = new TopicReader(kafka, naming, Topic.requestSubmitted, admin);
    deliveries = new TopicReader(kafka, naming, Topic.portalDeliverySucceeded, admin);
    await Promise.all([submitted.start(), deliveries.start()]);
  });

  afterAll(async () => {
    await Promise.allSettled([submitted?.stop(), deliveries?.stop()]);
    await service?.close();
    await producer?.disconnect();
    await deleteTestTopics(admin, prefix);
    await portal.stop();
    await dropSchemas([schema]);
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

      await drained(submitted);
      const events = submitted.records.filter((r) => r.envelope.payload.correlationId === correlationId);
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

    it('honours Prefer: respond-async, answers Prefer: wait=N with the asynchronous 202 once N runs out, and refuses a malformed Prefer', async () => {
      const async = await post(requestBody('PR-PREFER-1'), { ...auth(ACME), prefer: 'respond-async' });
      expect(async.status).toBe(202);
      expect(async.headers.get('preference-applied')).toBe('respond-async');

      // Nobody answers for the lab here: after 1 s the partner gets the 202 it would have got at once.
      const started = performance.now();
      const wait = await post(requestBody('PR-PREFER-2'), { ...auth(ACME), prefer: 'wait=1' });
      const waitedMs = performance.now() - started;
      expect(wait.status).toBe(202);
      expect(waitedMs).toBeGreaterThanOrEqual(900);
      expect(waitedMs).toBeLessThan(3_000);
      expect(wait.body).toEqual({ correlationId: wait.body.correlationId, status: 'RECEIVED', statusUrl: `/v1/test-requests/${wait.body.correlationId}` });
      expect(wait.headers.get('location')).toBe(`/v1/test-requests/${wait.body.correlationId}`);
      expect(wait.headers.get('retry-after')).toBe('2');
      expect(wait.headers.get('preference-applied')).toBe('wait=1');
      expect(await storedRequests('correlation_id = $1', [wait.body.correlationId])).toHaveLength(1);

      const bad = await post(requestBody('PR-PREFER-3'), { ...auth(ACME), prefer: 'wait=abc' });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(bad.body).toMatchObject({ status: 400, header: 'Prefer', detail: expect.stringMatching(/wait must be a whole number/) });
      expect(await storedRequests('portal_request_id = $1', ['PR-PREFER-3'])).toHaveLength(0);
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
      await drained(submitted);
      expect(submitted.payloads().some((p) => p.correlationId === after)).toBe(true);
      expect(submitted.payloads().some((p) => p.request.portalRequestId === 'PR-INVALID-1')).toBe(false);
    });

    it('answers problem+json for a body that is not JSON, not application/json, or too large', async () => {
      const notJson = await post('{"portalRequestId": ', auth(ACME));
      expect(notJson.status).toBe(400);
      expect(notJson.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      const text = await fetch(`${url}/v1/test-requests`, { method: 'POST', headers: { ...auth(ACME), 'content-type': 'text/plain' }, body: 'hello' });
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
      expect((await httpJson('GET', `${url}/v1/test-requests/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`)).status).toBe(401);
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
      await drained(submitted);
      expect(submitted.payloads().filter((p) => p.request.portalRequestId === 'PR-IDEM-1')).toHaveLength(1);
    });

    it('gives concurrent identical requests one correlation id, one row and one event', async () => {
      const headers = { ...auth(ACME), 'idempotency-key': 'key-concurrent-1' };
      const responses = await Promise.all(Array.from({ length: 8 }, () => post(requestBody('PR-IDEM-RACE'), headers)));
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
      const ids = new Set(responses.map((r) => r.body.correlationId));
      expect(ids.size).toBe(1);
      const rows = await storedRequests('portal_request_id = $1', ['PR-IDEM-RACE']);
      expect(rows.map((r) => r['correlation_id'])).toEqual([...ids]);
      expect(await sql(`SELECT * FROM "${schema}".idempotency_keys WHERE key = $1`, ['key-concurrent-1'])).toHaveLength(1);
      await drained(submitted);
      expect(submitted.payloads().filter((p) => p.request.portalRequestId === 'PR-IDEM-RACE')).toHaveLength(1);
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

      const rows = await sql<{ state: string; attempts: number }>(`SELECT state, attempts FROM "${schema}".callback_deliveries WHERE correlation_id = $1 ORDER BY seq`, [
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
      await waitFor(async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".callback_deliveries WHERE state = 'PENDING'`))[0]!.n) === 0, {
        what: 'every queued callback to be delivered',
      });
      const metrics = await (await fetch(`${url}/metrics`)).text();
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

  describe('synchronous answers (Prefer: wait=N)', () => {
    /** Posts without waiting for the answer; `answered` tells whether it came. */
    function postPending(body: unknown, headers: Record<string, string>) {
      const started = performance.now();
      let answered = false;
      const response = post(body, headers).then((r) => {
        answered = true;
        return { ...r, elapsedMs: performance.now() - started };
      });
      return { response, isAnswered: () => answered };
    }

    /** The request is stored, and its request.submitted on Kafka, while the partner still waits. */
    async function storedWhileWaiting(portalRequestId: string, isAnswered: () => boolean): Promise<string> {
      const [row] = await waitFor(async () => {
        const rows = await storedRequests('portal_request_id = $1', [portalRequestId]);
        return rows.length > 0 && rows;
      }, { what: `${portalRequestId} to be stored` });
      const correlationId = row!['correlation_id'] as string;
      await waitFor(() => submitted.payloads().some((p) => p.correlationId === correlationId), { what: `request.submitted of ${portalRequestId}` });
      expect(isAnswered()).toBe(false);
      return correlationId;
    }

    function rejectedSnapshot(correlationId: string, portalRequestId: string, reasons: string[]): CorrelationSnapshot {
      const at = (minute: number) => new Date(Date.parse('2026-11-20T08:00:00Z') + minute * 60_000).toISOString();
      return CorrelationStatusChanged.payload.parse({
        correlationId,
        partnerId: 'globex',
        portalRequestId,
        status: 'REJECTED_BY_LAB',
        labOrderId: null,
        version: 3,
        updatedAt: at(3),
        timeline: [
          { seq: 1, at: at(1), status: 'RECEIVED', source: 'portal' },
          { seq: 2, at: at(2), status: 'DISPATCHED', source: 'labsync' },
          { seq: 3, at: at(3), status: 'REJECTED_BY_LAB', source: 'lab', detail: reasons.join('; '), reasons },
        ],
        results: [],
      });
    }

    const accept = (correlationId: string, portalRequestId: string, labOrderId: string) =>
      publishSnapshots(
        snapshotsOf(correlationId, 'globex', portalRequestId, [
          { status: 'RECEIVED', source: 'portal' },
          { status: 'DISPATCHED', source: 'labsync' },
          { status: 'ACCEPTED_BY_LAB', source: 'lab', labOrderId },
        ]),
      );

    it('stores the request first, then answers 201 with the lab order id as soon as the lab accepted', async () => {
      const pending = postPending(requestBody('PR-SYNC-OK'), { ...auth(GLOBEX), prefer: 'wait=20' });
      const correlationId = await storedWhileWaiting('PR-SYNC-OK', pending.isAnswered);
      // Versions in between (RECEIVED, DISPATCHED) are no answer; ACCEPTED_BY_LAB is.
      await accept(correlationId, 'PR-SYNC-OK', 'L-SYNC-1');

      const answer = await pending.response;
      expect(answer.status).toBe(201);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body).toEqual({ correlationId, status: 'ACCEPTED_BY_LAB', labOrderId: 'L-SYNC-1', statusUrl: `/v1/test-requests/${correlationId}` });
      expect(answer.headers.get('location')).toBe(`/v1/test-requests/${correlationId}`);
      expect(answer.headers.get('preference-applied')).toBe('wait=20');
      expect(answer.elapsedMs).toBeLessThan(20_000);
      expect((await sql(`SELECT applied_by FROM "${schema}".correlation_views WHERE correlation_id = $1`, [correlationId]))[0]).toEqual({
        applied_by: 'int-replica',
      });
    });

    it("answers 422 problem+json with REJECTED_BY_LAB and the lab's reasons when the lab rejected, and again to a replay", async () => {
      const reasons = ['sample S-1: unknown test code "XYZ"', 'sample S-1: unknown test code "Q; R"'];
      const headers = { ...auth(GLOBEX), prefer: 'wait=20', 'idempotency-key': 'sync-rejected-1' };
      const pending = postPending(requestBody('PR-SYNC-REJECTED'), headers);
      const correlationId = await storedWhileWaiting('PR-SYNC-REJECTED', pending.isAnswered);
      await publishSnapshots([rejectedSnapshot(correlationId, 'PR-SYNC-REJECTED', reasons)]);

      const answer = await pending.response;
      expect(answer.status).toBe(422);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toEqual({
        type: 'https://labsync.dev/problems/rejected-by-lab',
        title: 'Rejected by the lab',
        status: 'REJECTED_BY_LAB',
        detail: `The lab rejected this test request: ${reasons.join('; ')}.`,
        instance: `/v1/test-requests/${correlationId}`,
        correlationId,
        reasons,
        statusUrl: `/v1/test-requests/${correlationId}`,
      });
      expect(answer.headers.get('location')).toBe(`/v1/test-requests/${correlationId}`);

      const replay = await post(requestBody('PR-SYNC-REJECTED'), headers);
      expect(replay.status).toBe(422);
      expect(replay.body).toEqual(answer.body);
      expect(await storedRequests('portal_request_id = $1', ['PR-SYNC-REJECTED'])).toHaveLength(1);
    });

    it('clamps N to SYNC_WAIT_MAX_SECONDS and says so in Preference-Applied', async () => {
      const pending = postPending(requestBody('PR-SYNC-CLAMPED'), { ...auth(GLOBEX), prefer: 'respond-async, wait=3600' });
      const correlationId = await storedWhileWaiting('PR-SYNC-CLAMPED', pending.isAnswered);
      await accept(correlationId, 'PR-SYNC-CLAMPED', 'L-SYNC-2');
      const answer = await pending.response;
      expect(answer.status).toBe(201);
      expect(answer.headers.get('preference-applied')).toBe('wait=30');
    });

    it('replays an idempotency key with the answer the request has now: waiting with the original, 201 at once afterwards, 202 without Prefer', async () => {
      const key = { 'idempotency-key': 'sync-replayed-1' };
      // The first attempt times out (the partner's client gave up, say) ...
      const first = await post(requestBody('PR-SYNC-REPLAY'), { ...auth(GLOBEX), ...key, prefer: 'wait=1' });
      expect(first.status).toBe(202);
      const correlationId = first.body.correlationId as string;
      // ... two retries wait together on the same request ...
      const retries = [0, 1].map(() => postPending(requestBody('PR-SYNC-REPLAY'), { ...auth(GLOBEX), ...key, prefer: 'wait=20' }));
      await waitFor(async () => (await metricValue(/^labsync_sync_waiters\{/)) >= 2, { what: 'both retries to wait' });
      expect(retries.every((r) => !r.isAnswered())).toBe(true);
      await accept(correlationId, 'PR-SYNC-REPLAY', 'L-SYNC-3');
      for (const retry of await Promise.all(retries.map((r) => r.response))) {
        expect(retry.status).toBe(201);
        expect(retry.body).toMatchObject({ correlationId, labOrderId: 'L-SYNC-3' });
      }
      // ... a later one gets the answer from the read model at once, and one without Prefer the original 202.
      const later = await post(requestBody('PR-SYNC-REPLAY'), { ...auth(GLOBEX), ...key, prefer: 'wait=20' });
      expect(later.status).toBe(201);
      expect(later.body).toMatchObject({ correlationId, labOrderId: 'L-SYNC-3' });
      const plain = await post(requestBody('PR-SYNC-REPLAY'), { ...auth(GLOBEX), ...key });
      expect(plain.status).toBe(202);
      expect(plain.body).toEqual(first.body);

      expect(await storedRequests('portal_request_id = $1', ['PR-SYNC-REPLAY'])).toHaveLength(1);
      await drained(submitted);
      expect(submitted.payloads().filter((p) => p.request.portalRequestId === 'PR-SYNC-REPLAY')).toHaveLength(1);
    });

    it('drops the waiter of a partner that hangs up, and keeps its request', async () => {
      const hangUp = new AbortController();
      const pending = fetch(`${url}/v1/test-requests`, {
        method: 'POST',
        headers: { ...auth(GLOBEX), 'content-type': 'application/json', prefer: 'wait=20' },
        body: JSON.stringify(requestBody('PR-SYNC-HANGUP')),
        signal: hangUp.signal,
      }).catch((error: unknown) => error);
      const correlationId = await storedWhileWaiting('PR-SYNC-HANGUP', () => false);
      const abandonedBefore = (await metricValue(/^labsync_sync_waits_total\{.*outcome="abandoned"/)) || 0;
      hangUp.abort();
      expect(await pending).toMatchObject({ name: 'AbortError' });
      await waitFor(async () => (await metricValue(/^labsync_sync_waits_total\{.*outcome="abandoned"/)) === abandonedBefore + 1, { what: 'the abandoned wait' });
      expect(await metricValue(/^labsync_sync_waiters\{/)).toBe(0);
      expect((await get(correlationId, GLOBEX)).status).toBe(200);
    });

    it('counts every wait by outcome and times it', async () => {
      expect(await metricValue(/^labsync_sync_waits_total\{.*partner="globex".*outcome="accepted"/)).toBe(5);
      expect(await metricValue(/^labsync_sync_waits_total\{.*partner="globex".*outcome="rejected"/)).toBe(2);
      expect(await metricValue(/^labsync_sync_waits_total\{.*partner="globex".*outcome="timeout"/)).toBe(1);
      expect(await metricValue(/^labsync_sync_waits_total\{.*partner="acme".*outcome="timeout"/)).toBe(1);
      expect(await metricValue(/^labsync_sync_wait_clamped_total\{.*partner="globex"/)).toBe(1);
      expect(await metricValue(/^labsync_sync_wait_seconds_count\{.*outcome="accepted"/)).toBe(5);
      expect(await metricValue(/^labsync_sync_wait_seconds_bucket\{(?=.*le="0\.5")(?=.*outcome="timeout")/)).toBe(0);
    });
  });
});
