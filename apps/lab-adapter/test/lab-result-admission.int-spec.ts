import { randomUUID } from 'node:crypto';
import { Topic, createEnvelope, type CorrelationSnapshot } from '@labsync/contracts';
import { startService, type RunningService } from '@labsync/service-runtime';
import { signPayload } from '@labsync/signatures';
import { dropSchemas, FakeLab, serviceTestEnv, sql, uniqueSchema, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import { labAdapterService } from '../src/lab-adapter.definition';
import { KafkaEvents, submittedEnvelope, submittedRequest } from './kafka-events';

const SECRET = 'int-test-lab-webhook-secret';
const OPERATOR_KEY = 'int-test-operator-key-0001';
const EXPIRY_MS = 1500;

const statusWebhook = (labOrderId: string, status: string) => ({ eventId: randomUUID(), type: 'order.status-changed', occurredAt: new Date().toISOString(), data: { labOrderId, status } });

const resultWebhook = (labOrderId: string, resultStatus: string, testCode = 'PH', sampleId = 'S-1', reportedAt = new Date().toISOString()) => ({
  eventId: randomUUID(),
  type: 'result.reported',
  occurredAt: new Date().toISOString(),
  data: { labOrderId, sampleId, testCode, resultStatus, analytes: [{ name: testCode, value: 7.1, unit: 'u' }], reportedAt },
});

describe('lab-adapter result admission, operator lists and inbox expiry (real Kafka, real Postgres)', () => {
  const schema = uniqueSchema('lab_admission');
  const prefix = uniqueTopicPrefix('lab-admission');
  const lab = new FakeLab();
  const kafka = new KafkaEvents(prefix);
  let app: RunningService;

  const postWebhook = async (body: unknown) => {
    const raw = JSON.stringify(body);
    const response = await fetch(`${app.url}/v1/lab/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-labsync-signature': signPayload(SECRET, raw) },
      body: raw,
    });
    return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as any };
  };
  const operator = async (path: string, key: string | null = OPERATOR_KEY) => {
    const response = await fetch(`${app.url}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as any };
  };
  const labEvents = kafka.labEvents.bind(kafka);
  const publishedLabEventIds = () => new Set([...labEvents('status-changed'), ...labEvents('result-reported')].map((p) => p.labEventId));
  const refusedList = async (labOrderId: string) => (await operator(`/v1/operator/refused-lab-events?labOrderId=${labOrderId}`)).body.events as any[];

  const submit = (correlationId: string) =>
    kafka.publish(Topic.requestSubmitted, [submittedEnvelope(submittedRequest(correlationId))]);
  const acceptedOrder = async () => {
    const correlationId = randomUUID();
    await submit(correlationId);
    const accepted = await waitFor(() => labEvents('accepted', correlationId)[0], { what: `order-accepted of ${correlationId}` });
    return { correlationId, labOrderId: accepted.labOrderId };
  };
  /** What the tracker publishes; the lab-adapter keeps the latest status per correlation. */
  const publishStatus = (correlationId: string, labOrderId: string, status: CorrelationSnapshot['status'], version: number) => {
    const payload: CorrelationSnapshot = {
      correlationId, partnerId: 'acme', portalRequestId: 'PR-1', status, labOrderId, version, updatedAt: new Date().toISOString(), timeline: [], results: [],
    };
    return kafka.publish(Topic.correlationStatus, [createEnvelope({ type: 'correlation.status-changed', schemaVersion: 1, correlationId, sourceSystem: 'correlation-tracker', payload })]);
  };

  beforeAll(async () => {
    await lab.start();
    app = await startService(
      labAdapterService,
      serviceTestEnv(
        { schema, topicPrefix: prefix, logLevel: 'error' },
        { LAB_BASE_URL: lab.url, LAB_WEBHOOK_SECRET: SECRET, OPERATOR_API_KEY: OPERATOR_KEY, LAB_INBOX_EXPIRY_MS: String(EXPIRY_MS), LAB_INBOX_SWEEP_MS: '200' },
      ),
    );
    await kafka.start([Topic.labOrderEvents]);
  }, 90000);

  afterAll(async () => {
    await app?.close();
    await kafka.stop();
    await lab.stop();
    await dropSchemas([schema]);
  });

  it('refuses a result for a test that was not ordered with 422 and the reason, publishes nothing, and lists it for an operator', async () => {
    const { correlationId, labOrderId } = await acceptedOrder();
    const stray = resultWebhook(labOrderId, 'final', 'COPPER');
    const answer = await postWebhook(stray);
    expect(answer.status).toBe(422);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 422, eventId: stray.eventId, labOrderId, reason: 'test COPPER was not ordered on sample S-1 (ordered: PH, LEAD)' });
    expect(answer.body.detail).toContain('COPPER');
    const unknownSample = resultWebhook(labOrderId, 'final', 'PH', 'S-9');
    expect(await postWebhook(unknownSample)).toMatchObject({ status: 422, body: { reason: 'sample S-9 is not part of the order' } });
    // The same refused event sent again gets the same answer, not a 200 "duplicate" the lab would take for an acceptance.
    expect(await postWebhook(stray)).toMatchObject({ status: 422, body: { reason: expect.stringContaining('COPPER') } });

    const marker = resultWebhook(labOrderId, 'final', 'LEAD');
    expect(await postWebhook(marker)).toMatchObject({ status: 202, body: { status: 'accepted' } });
    await waitFor(() => publishedLabEventIds().has(marker.eventId), { what: 'the ordered result behind the refused ones' });
    expect(labEvents('result-reported', correlationId).map((p) => p.labEventId)).toEqual([marker.eventId]);

    const refused = await refusedList(labOrderId);
    expect(refused.map((e) => [e.eventId, e.correlationId, e.type])).toEqual(
      expect.arrayContaining([[stray.eventId, correlationId, 'result.reported'], [unknownSample.eventId, correlationId, 'result.reported']]),
    );
    expect(refused).toHaveLength(2);
    expect(refused.find((e) => e.eventId === stray.eventId)).toMatchObject({ reason: expect.stringContaining('COPPER'), body: stray, receivedAt: expect.any(String), setAsideAt: expect.any(String) });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/labsync_lab_results_refused_total\{[^}]*reason="not-ordered"[^}]*\} 2/);
  });

  it('refuses a second final for a test and, once the request is DELIVERED, everything reported after completion but a correction', async () => {
    const { correlationId, labOrderId } = await acceptedOrder();
    const first = resultWebhook(labOrderId, 'final');
    expect(await postWebhook(first)).toMatchObject({ status: 202 });
    expect(await postWebhook(resultWebhook(labOrderId, 'final'))).toMatchObject({ status: 422, body: { reason: expect.stringContaining('already has a final result') } });
    const completed = statusWebhook(labOrderId, 'COMPLETED');
    expect(await postWebhook(completed)).toMatchObject({ status: 202 });
    await waitFor(() => publishedLabEventIds().has(completed.eventId), { what: 'the lab COMPLETED' });

    await publishStatus(correlationId, labOrderId, 'DELIVERED', 9);
    await publishStatus(correlationId, labOrderId, 'COMPLETED', 8); // an older snapshot arriving late changes nothing
    await waitFor(async () => (await operator(`/v1/operator/lab-orders/${labOrderId}`)).body.correlationStatus?.version === 9, { what: 'the lab-adapter to learn DELIVERED' });
    expect((await operator(`/v1/operator/lab-orders/${labOrderId}`)).body).toMatchObject({
      labOrderId,
      correlationId,
      ordered: [{ sampleId: 'S-1', testCode: 'PH' }, { sampleId: 'S-1', testCode: 'LEAD' }],
      correlationStatus: { status: 'DELIVERED', version: 9 },
    });

    const late = resultWebhook(labOrderId, 'final', 'LEAD');
    expect(await postWebhook(late)).toMatchObject({ status: 422, body: { reason: expect.stringContaining('already delivered') } });
    expect(await postWebhook(resultWebhook(labOrderId, 'preliminary', 'LEAD'))).toMatchObject({ status: 422 });
    // Reported before the lab said COMPLETED, delivered late (reordered): not news after the fact, it must reach the portal.
    const lateDelivery = resultWebhook(labOrderId, 'final', 'LEAD', 'S-1', new Date(Date.parse(completed.occurredAt) - 60_000).toISOString());
    expect(await postWebhook(lateDelivery)).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const correction = resultWebhook(labOrderId, 'corrected');
    expect(await postWebhook(correction)).toMatchObject({ status: 202, body: { status: 'accepted' } });
    await waitFor(() => publishedLabEventIds().has(correction.eventId), { what: 'the correction' });
    expect(labEvents('result-reported', correlationId).map((p) => [p.labEventId, p.result.resultStatus])).toEqual([
      [first.eventId, 'final'],
      [lateDelivery.eventId, 'final'],
      [correction.eventId, 'corrected'],
    ]);
    expect((await refusedList(labOrderId)).map((e) => e.eventId)).toContain(late.eventId);
  });

  it('checks results that waited in the inbox when their order becomes known: the stray one is set aside, the others published', async () => {
    const correlationId = randomUUID();
    let release!: () => void;
    lab.script(correlationId, { kind: 'order-after', gate: new Promise<void>((resolve) => (release = resolve)) });
    await submit(correlationId);
    const labOrderId = await waitFor(() => lab.labOrderIdOf(correlationId), { what: 'the lab to create the order' });
    const early = [resultWebhook(labOrderId, 'preliminary'), resultWebhook(labOrderId, 'final', 'NITRATE'), resultWebhook(labOrderId, 'final')];
    // Nothing to check against yet: stored and answered 202 like any early webhook.
    for (const webhook of early) expect(await postWebhook(webhook)).toMatchObject({ status: 202, body: { status: 'accepted' } });

    release();
    await waitFor(() => labEvents('result-reported', correlationId).length === 2, { what: 'the two ordered results' });
    expect(labEvents('result-reported', correlationId).map((p) => p.labEventId)).toEqual([early[0]!.eventId, early[2]!.eventId]);
    const refused = await waitFor(async () => {
      const list = await refusedList(labOrderId);
      return list.length > 0 ? list : undefined;
    }, { what: 'the stray result in the refused list' });
    expect(refused).toEqual([expect.objectContaining({ eventId: early[1]!.eventId, correlationId, reason: expect.stringContaining('NITRATE') })]);
    expect(await sql(`SELECT 1 FROM "${schema}".lab_inbox WHERE lab_order_id = $1 AND processed_at IS NULL`, [labOrderId])).toHaveLength(0);
    expect(publishedLabEventIds().has(early[1]!.eventId)).toBe(false);
  });

  it('expires events of a lab order that never becomes known after LAB_INBOX_EXPIRY_MS, with a metric and an operator list', async () => {
    const labOrderId = `LO-NEVER-${randomUUID()}`;
    const orphan = statusWebhook(labOrderId, 'IN_PROGRESS');
    expect(await postWebhook(orphan)).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const expired = await waitFor(async () => {
      const { body } = await operator(`/v1/operator/expired-lab-events?labOrderId=${labOrderId}`);
      return body.events.length > 0 ? body.events : undefined;
    }, { what: 'the orphan event to expire', timeoutMs: 20000 });
    expect(expired).toEqual([expect.objectContaining({ eventId: orphan.eventId, labOrderId, correlationId: null, type: 'order.status-changed', reason: expect.stringContaining('LAB_INBOX_EXPIRY_MS'), body: orphan })]);
    expect(Date.parse(expired[0].setAsideAt) - Date.parse(expired[0].receivedAt)).toBeGreaterThanOrEqual(EXPIRY_MS);
    expect(await sql(`SELECT 1 FROM "${schema}".lab_inbox WHERE lab_order_id = $1 AND processed_at IS NULL`, [labOrderId])).toHaveLength(0);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/labsync_lab_inbox_expired_total(\{[^}]*\})? [1-9]/);
    // A redelivery is a duplicate: it does not start another wait.
    expect(await postWebhook(orphan)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect((await operator(`/v1/operator/refused-lab-events?labOrderId=${labOrderId}`)).body.events).toEqual([]);
  });

  it('guards the operator API with the operator key', async () => {
    for (const path of ['/v1/operator/refused-lab-events', '/v1/operator/expired-lab-events', '/v1/operator/lab-orders/LO-1']) {
      expect((await operator(path, null)).status).toBe(401);
      expect((await operator(path, 'not-the-operator-key-at-all')).status).toBe(401);
    }
    expect((await operator('/v1/operator/refused-lab-events?limit=0')).status).toBe(400);
    expect((await operator('/v1/operator/lab-orders/LO-UNKNOWN')).status).toBe(404);
  });
});
