import { randomUUID } from 'node:crypto';
import { Topic } from '@labsync/contracts';
import { startService, type RunningService } from '@labsync/service-runtime';
import { signPayload } from '@labsync/signatures';
import { dropSchemas, FakeLab, serviceTestEnv, sql, uniqueSchema, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import { labAdapterService } from '../src/lab-adapter.definition';
import { KafkaEvents, submittedEnvelope, submittedRequest } from './kafka-events';

const SECRET = 'int-test-lab-webhook-secret';

const submitted = submittedRequest;
const envelopeOf = submittedEnvelope;

const statusWebhook = (labOrderId: string, status: string, eventId: string = randomUUID()) => ({
  eventId,
  type: 'order.status-changed',
  occurredAt: new Date().toISOString(),
  data: { labOrderId, status },
});

const resultWebhook = (labOrderId: string, resultStatus: string, value: number, eventId: string = randomUUID()) => ({
  eventId,
  type: 'result.reported',
  occurredAt: new Date().toISOString(),
  data: { labOrderId, sampleId: 'S-1', testCode: 'PH', resultStatus, analytes: [{ name: 'pH', value, unit: 'pH' }], reportedAt: new Date().toISOString() },
});

describe('lab-adapter (real Kafka, real Postgres, two replicas, a fake lab)', () => {
  const schema = uniqueSchema('lab_adapter');
  const prefix = uniqueTopicPrefix('lab-adapter');
  const lab = new FakeLab();
  const kafka = new KafkaEvents(prefix);
  let replicas: RunningService[] = [];
  let app: RunningService;

  const postWebhook = async (body: unknown, options: { signature?: string | null; eventIdHeader?: string | null; raw?: string } = {}) => {
    const raw = options.raw ?? JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const signature = options.signature === undefined ? signPayload(SECRET, raw) : options.signature;
    if (signature !== null) headers['x-labsync-signature'] = signature;
    const eventId = (body as { eventId?: string }).eventId;
    const eventIdHeader = options.eventIdHeader === undefined ? eventId : options.eventIdHeader;
    if (eventIdHeader) headers['x-labsync-event-id'] = eventIdHeader;
    const response = await fetch(`${app.url}/v1/lab/events`, { method: 'POST', headers, body: raw });
    return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as any };
  };

  /** The lab-order events of one kind (all on one topic), optionally of one correlation. */
  const labEvents = kafka.labEvents.bind(kafka);
  const statusEvents = (correlationId?: string) => labEvents('status-changed', correlationId);
  const resultEvents = (correlationId?: string) => labEvents('result-reported', correlationId);
  const inboxRow = (eventId: string) => sql(`SELECT * FROM "${schema}".lab_inbox WHERE event_id = $1`, [eventId]);
  const labEventIdsOnKafka = () =>
    new Set([...statusEvents(), ...resultEvents()].map((p) => p.labEventId));

  /** Submits a request and waits until the lab accepted it; returns the lab order id. */
  const acceptedOrder = async (correlationId = randomUUID()) => {
    await kafka.publish(Topic.requestSubmitted, [envelopeOf(submitted(correlationId))]);
    const accepted = await waitFor(() => labEvents('accepted', correlationId)[0], { what: `order-accepted of ${correlationId}` });
    return { correlationId, labOrderId: accepted.labOrderId };
  };

  beforeAll(async () => {
    await lab.start();
    const env = serviceTestEnv(
      { schema, topicPrefix: prefix, logLevel: 'error' },
      {
        LAB_BASE_URL: lab.url,
        LAB_WEBHOOK_SECRET: SECRET,
        LAB_REQUEST_TIMEOUT_MS: '1500',
        LAB_RETRY_BASE_DELAY_MS: '100',
        LAB_RETRY_MAX_DELAY_MS: '1000',
        LAB_DISPATCH_CONCURRENCY: '8',
      },
    );
    // Two replicas on one schema and one consumer group: the lease must keep them from POSTing twice.
    replicas = await Promise.all([startService(labAdapterService, env), startService(labAdapterService, env)]);
    app = replicas[0]!;
    await kafka.start([Topic.labOrderEvents]);
  }, 90000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await kafka.stop();
    await lab.stop();
    await dropSchemas([schema]);
  });

  it('sends each of 50 concurrent requests to the lab exactly once, and publishes dispatched + accepted for each', async () => {
    lab.latencyMs = 30;
    const ids = Array.from({ length: 50 }, () => randomUUID());
    await Promise.all(ids.map((id) => kafka.publish(Topic.requestSubmitted, [envelopeOf(submitted(id))])));
    await waitFor(() => ids.every((id) => labEvents('accepted', id).length > 0), { timeoutMs: 60000, what: '50 order-accepted events' });
    lab.latencyMs = 0;

    for (const id of ids) {
      expect(lab.postsFor(id)).toBe(1);
      expect(labEvents('dispatched', id)).toHaveLength(1);
      expect(labEvents('accepted', id)).toEqual([expect.objectContaining({ correlationId: id, labOrderId: lab.labOrderIdOf(id) })]);
    }
    // Calls overlapped, within the two replicas' concurrency limit (8 each).
    expect(lab.maxInFlight).toBeGreaterThan(1);
    expect(lab.maxInFlight).toBeLessThanOrEqual(16);
    // The lab got its own order format, the correlation id as externalRef.
    expect(lab.received.find((r) => r.externalRef === ids[0])!.body).toEqual({
      externalRef: ids[0],
      customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
      priority: 'standard',
      samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] }],
    });
    const rows = await sql<{ state: string; attempts: number; n: string }>(
      `SELECT state, attempts, count(*) AS n FROM "${schema}".lab_dispatches WHERE correlation_id = ANY($1) GROUP BY state, attempts`,
      [ids],
    );
    expect(rows).toEqual([{ state: 'ACCEPTED', attempts: 1, n: '50' }]);
  });

  it('does not dispatch a correlation id twice when its request is submitted again', async () => {
    const { correlationId } = await acceptedOrder();
    const repeat = envelopeOf(submitted(correlationId));
    await kafka.publish(Topic.requestSubmitted, [repeat]);
    // The consumer records every event it applied; once the repeat is recorded, its effect (none) is final.
    await waitFor(async () => (await sql(`SELECT 1 FROM "${schema}".processed_events WHERE event_id = $1`, [repeat.eventId])).length === 1, {
      what: 'the repeated request to be consumed',
    });
    const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox WHERE envelope->>'causationId' = $1`, [repeat.eventId]);
    expect(row!.n).toBe('0');
    expect(lab.postsFor(correlationId)).toBe(1);
    expect(labEvents('dispatched', correlationId)).toHaveLength(1);
    expect(labEvents('accepted', correlationId)).toHaveLength(1);
  });

  it("publishes order-rejected with the lab's reasons on 422, and a malformed-request reason on 400", async () => {
    const rejected = randomUUID();
    const malformed = randomUUID();
    lab.script(rejected, { kind: 'answer', status: 422, body: { reasons: ['unknown test code "XYZ"'] } });
    lab.script(malformed, { kind: 'answer', status: 400, body: { message: 'samples[0].matrix is required' } });
    await kafka.publish(Topic.requestSubmitted, [envelopeOf(submitted(rejected, ['XYZ'])), envelopeOf(submitted(malformed))]);

    const r = await waitFor(() => labEvents('rejected', rejected)[0], { what: 'order-rejected (422)' });
    expect(r.reasons).toEqual(['unknown test code "XYZ"']);
    const m = await waitFor(() => labEvents('rejected', malformed)[0], { what: 'order-rejected (400)' });
    expect(m.reasons).toEqual(['the lab refused the request as malformed (400): samples[0].matrix is required']);

    expect(lab.postsFor(rejected)).toBe(1);
    expect(lab.postsFor(malformed)).toBe(1);
    expect(labEvents('accepted', rejected)).toHaveLength(0);
    const [row] = await sql<{ state: string; rejection_reasons: string[] }>(`SELECT state, rejection_reasons FROM "${schema}".lab_dispatches WHERE correlation_id = $1`, [rejected]);
    expect(row).toEqual({ state: 'REJECTED', rejection_reasons: ['unknown test code "XYZ"'] });
  });

  it('retries a lab answering 503 twice, then 201: accepted once, one lab order', async () => {
    const id = randomUUID();
    lab.script(id, { kind: 'answer', status: 503, body: { error: 'maintenance' } }, { kind: 'answer', status: 503, body: { error: 'maintenance' } });
    await kafka.publish(Topic.requestSubmitted, [envelopeOf(submitted(id))]);
    const accepted = await waitFor(() => labEvents('accepted', id)[0], { what: 'order-accepted after two 503s' });
    expect(accepted.labOrderId).toBe(lab.labOrderIdOf(id));
    expect(lab.postsFor(id)).toBe(3);
    expect(labEvents('accepted', id)).toHaveLength(1);
    const [row] = await sql<{ state: string; attempts: number; last_error: string | null }>(
      `SELECT state, attempts, last_error FROM "${schema}".lab_dispatches WHERE correlation_id = $1`,
      [id],
    );
    expect(row).toEqual({ state: 'ACCEPTED', attempts: 3, last_error: null });
  });

  it('retries a lab call that times out; the lab answers the re-POST with the order it already has', async () => {
    const id = randomUUID();
    lab.script(id, { kind: 'hang' });
    await kafka.publish(Topic.requestSubmitted, [envelopeOf(submitted(id))]);
    const accepted = await waitFor(() => labEvents('accepted', id)[0], { what: 'order-accepted after a timeout' });
    expect(accepted.labOrderId).toBe(lab.labOrderIdOf(id));
    expect(lab.postsFor(id)).toBe(2);
    const metrics = await (await fetch(`${replicas[0]!.url}/metrics`)).text() + (await (await fetch(`${replicas[1]!.url}/metrics`)).text());
    expect(metrics).toMatch(/labsync_lab_dispatch_attempts_total\{outcome="timeout"[^}]*\} 1/);
  });

  it('turns signed webhooks into status-changed and result-reported events with the correlation id, in arrival order', async () => {
    const { correlationId, labOrderId } = await acceptedOrder();
    const sent = [
      statusWebhook(labOrderId, 'IN_PROGRESS'),
      resultWebhook(labOrderId, 'preliminary', 7.0),
      resultWebhook(labOrderId, 'final', 7.1),
      resultWebhook(labOrderId, 'corrected', 7.2),
      statusWebhook(labOrderId, 'COMPLETED'),
    ];
    for (const webhook of sent) {
      const answer = await postWebhook(webhook);
      expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', eventId: webhook.eventId } });
    }
    await waitFor(() => statusEvents(correlationId).length === 2 && resultEvents(correlationId).length === 3, {
      what: 'two status changes and three results',
    });
    // One topic, one partition per correlation: the lab's order survives, statuses and results interleaved.
    const lifecycle = kafka.payloads(Topic.labOrderEvents, correlationId);
    expect(lifecycle.map((p) => p.kind)).toEqual(['dispatched', 'accepted', 'status-changed', 'result-reported', 'result-reported', 'result-reported', 'status-changed']);
    expect(lifecycle.slice(2).map((p) => (p as { labEventId: string }).labEventId)).toEqual(sent.map((w) => w.eventId));
    expect(statusEvents(correlationId)).toEqual([
      { kind: 'status-changed', correlationId, labOrderId, labEventId: sent[0]!.eventId, status: 'IN_PROGRESS', occurredAt: sent[0]!.occurredAt },
      { kind: 'status-changed', correlationId, labOrderId, labEventId: sent[4]!.eventId, status: 'COMPLETED', occurredAt: sent[4]!.occurredAt },
    ]);
    const results = resultEvents(correlationId);
    expect(results.map((r) => [r.labEventId, r.result.resultStatus, r.result.analytes[0]!.value])).toEqual([
      [sent[1]!.eventId, 'preliminary', 7.0],
      [sent[2]!.eventId, 'final', 7.1],
      [sent[3]!.eventId, 'corrected', 7.2],
    ]);
    expect(results[0]).toEqual({
      kind: 'result-reported',
      correlationId,
      labOrderId,
      labEventId: sent[1]!.eventId,
      result: { sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7, unit: 'pH' }], reportedAt: (sent[1] as ReturnType<typeof resultWebhook>).data.reportedAt },
    });
    // The webhook's event id is the cause of the labsync event.
    const envelope = kafka.seen.find((e) => (e.envelope.payload as { labEventId?: string }).labEventId === sent[0]!.eventId)!.envelope;
    expect(envelope).toMatchObject({ correlationId, causationId: sent[0]!.eventId, type: 'lab.order-event', sourceSystem: 'lab-adapter' });
  });

  it('keeps arrival order when the lab fires many webhooks for one order at once', async () => {
    const { correlationId, labOrderId } = await acceptedOrder();
    const burst = Array.from({ length: 20 }, (_, i) => resultWebhook(labOrderId, i === 0 ? 'preliminary' : 'corrected', i));
    const answers = await Promise.all(burst.map((webhook) => postWebhook(webhook)));
    expect(answers.map((a) => a.status)).toEqual(burst.map(() => 202));
    await waitFor(() => resultEvents(correlationId).length === 20, { what: '20 results' });
    const arrival = await sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".lab_inbox WHERE lab_order_id = $1 ORDER BY arrival`, [labOrderId]);
    expect(resultEvents(correlationId).map((p) => p.labEventId)).toEqual(arrival.map((r) => r.event_id));
  });

  it('publishes a webhook delivered twice once, and answers the repeat 200 duplicate', async () => {
    const { correlationId, labOrderId } = await acceptedOrder();
    const webhook = statusWebhook(labOrderId, 'IN_PROGRESS');
    expect(await postWebhook(webhook)).toMatchObject({ status: 202, body: { status: 'accepted' } });
    expect(await postWebhook(webhook)).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: webhook.eventId } });
    // Same id, even re-signed later with a different body: still a duplicate, nothing changes.
    expect(await postWebhook({ ...webhook, data: { labOrderId, status: 'CANCELLED' } })).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const marker = statusWebhook(labOrderId, 'COMPLETED');
    expect(await postWebhook(marker)).toMatchObject({ status: 202 });
    await waitFor(() => statusEvents(correlationId).some((p) => p.labEventId === marker.eventId), { what: 'the marker event' });
    expect(statusEvents(correlationId).map((p) => p.status)).toEqual(['IN_PROGRESS', 'COMPLETED']);
  });

  it('refuses unsigned, wrongly signed, malformed-signature and stale webhooks with 401, storing and publishing nothing', async () => {
    const { correlationId, labOrderId } = await acceptedOrder();
    const refused = [
      { webhook: statusWebhook(labOrderId, 'IN_PROGRESS'), signature: null, reason: 'missing' },
      { webhook: statusWebhook(labOrderId, 'IN_PROGRESS'), signature: signPayload('some-other-secret-entirely', 'x'), reason: 'mismatch' },
      { webhook: statusWebhook(labOrderId, 'IN_PROGRESS'), signature: 'sha256=deadbeef', reason: 'malformed' },
      { webhook: statusWebhook(labOrderId, 'IN_PROGRESS'), signature: 'stale', reason: 'stale' },
    ];
    for (const { webhook, signature, reason } of refused) {
      const raw = JSON.stringify(webhook);
      const header = signature === 'stale' ? signPayload(SECRET, raw, Math.floor(Date.now() / 1000) - 600) : signature;
      const answer = await postWebhook(webhook, { signature: header, raw });
      expect(answer).toMatchObject({ status: 401, contentType: expect.stringContaining('application/problem+json'), body: { status: 401, title: 'Unauthorized', reason } });
      expect(await inboxRow(webhook.eventId)).toHaveLength(0);
    }
    // A body changed after signing does not verify either.
    const signedBody = statusWebhook(labOrderId, 'IN_PROGRESS');
    const tampered = { ...signedBody, data: { labOrderId, status: 'CANCELLED' } };
    expect(await postWebhook(tampered, { signature: signPayload(SECRET, JSON.stringify(signedBody)) })).toMatchObject({ status: 401, body: { reason: 'mismatch' } });

    const marker = statusWebhook(labOrderId, 'COMPLETED');
    expect(await postWebhook(marker)).toMatchObject({ status: 202 });
    await waitFor(() => statusEvents(correlationId).some((p) => p.labEventId === marker.eventId), { what: 'the marker event' });
    expect(statusEvents(correlationId).map((p) => p.labEventId)).toEqual([marker.eventId]);
    expect(await inboxRow(tampered.eventId)).toHaveLength(0);
  });

  it('answers an invalid lab event 400 with field paths, and an event id header that differs from the body 400, storing nothing', async () => {
    const { labOrderId } = await acceptedOrder();
    const invalid = { eventId: randomUUID(), type: 'result.reported', occurredAt: 'yesterday', data: { labOrderId, sampleId: 'S-1', testCode: 'PH', resultStatus: 'draft', analytes: [], reportedAt: new Date().toISOString() } };
    const answer = await postWebhook(invalid);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/data/resultStatus', '/occurredAt']);
    expect(await inboxRow(invalid.eventId)).toHaveLength(0);

    const unknownType = await postWebhook({ eventId: randomUUID(), type: 'order.deleted', occurredAt: new Date().toISOString(), data: { labOrderId } });
    expect(unknownType).toMatchObject({ status: 400, body: { errors: [{ path: '/type' }] } });

    const webhook = statusWebhook(labOrderId, 'IN_PROGRESS');
    const mismatch = await postWebhook(webhook, { eventIdHeader: randomUUID() });
    expect(mismatch).toMatchObject({ status: 400, body: { errors: [{ path: '/eventId' }] } });
    expect(await inboxRow(webhook.eventId)).toHaveLength(0);
  });

  it('refuses a signed webhook with text Postgres cannot store (U+0000, unpaired surrogates) or a body that is not UTF-8: 400, nothing stored or published', async () => {
    const { correlationId, labOrderId } = await acceptedOrder();
    const unstorable = 'must not contain U+0000 or unpaired UTF-16 surrogates';
    const nul = resultWebhook(labOrderId, 'final', 7.2);
    nul.data.analytes = [{ name: 'p\u0000H', value: 7.2, unit: 'pH\ud800' }];
    const answer = await postWebhook(nul);
    expect(answer).toMatchObject({ status: 400, body: { type: 'https://labsync.dev/problems/validation', status: 400 } });
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.body.errors).toEqual([
      { path: '/data/analytes/0/name', message: unstorable },
      { path: '/data/analytes/0/unit', message: unstorable },
    ]);
    const status = { ...statusWebhook(labOrderId, 'IN_PROGRESS'), data: { labOrderId: `${labOrderId}\udc00`, status: 'IN_PROGRESS' } };
    expect(await postWebhook(status)).toMatchObject({ status: 400, body: { errors: [{ path: '/data/labOrderId', message: unstorable }] } });

    // Signed correctly, but "µg/L" in Latin-1: the byte 0xB5 is not UTF-8.
    const latin1 = resultWebhook(labOrderId, 'final', 7.3);
    const bytes = Buffer.from(JSON.stringify({ ...latin1, data: { ...latin1.data, analytes: [{ name: 'Lead', value: 1, unit: '\u00b5g/L' }] } }), 'latin1');
    const response = await fetch(`${app.url}/v1/lab/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-labsync-signature': signPayload(SECRET, bytes), 'x-labsync-event-id': latin1.eventId },
      body: bytes,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: 400, detail: 'The body is not valid UTF-8.' });

    for (const refused of [nul, status, latin1]) expect(await inboxRow(refused.eventId)).toHaveLength(0);
    // A valid event sent afterwards is published; none of the refused ones ever is.
    const marker = statusWebhook(labOrderId, 'IN_PROGRESS');
    expect(await postWebhook(marker)).toMatchObject({ status: 202 });
    await waitFor(() => labEventIdsOnKafka().has(marker.eventId), { what: 'the marker webhook on Kafka' });
    expect([...statusEvents(correlationId), ...resultEvents(correlationId)].map((p) => p.labEventId)).toEqual([marker.eventId]);
  });

  it('holds webhooks that arrive before the lab order is mapped, then publishes them in arrival order once it is accepted', async () => {
    const id = randomUUID();
    let release!: () => void;
    lab.script(id, { kind: 'order-after', gate: new Promise<void>((resolve) => (release = resolve)) });
    await kafka.publish(Topic.requestSubmitted, [envelopeOf(submitted(id))]);
    // The lab has created the order (and may fire webhooks) but the adapter has not heard its answer yet.
    const labOrderId = await waitFor(() => lab.labOrderIdOf(id), { what: 'the lab to create the order' });
    const early = [statusWebhook(labOrderId, 'IN_PROGRESS'), resultWebhook(labOrderId, 'preliminary', 6.9), resultWebhook(labOrderId, 'final', 7.0), statusWebhook(labOrderId, 'COMPLETED')];
    for (const webhook of early) expect(await postWebhook(webhook)).toMatchObject({ status: 202, body: { status: 'accepted' } });
    expect(await postWebhook(early[0]!)).toMatchObject({ status: 200, body: { status: 'duplicate' } });

    const pending = await sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".lab_inbox WHERE lab_order_id = $1 AND processed_at IS NULL ORDER BY arrival`, [labOrderId]);
    expect(pending.map((r) => r.event_id)).toEqual(early.map((w) => w.eventId));
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/labsync_lab_inbox_pending\{[^}]*\} 4/);
    expect([...labEventIdsOnKafka()].filter((e) => early.some((w) => w.eventId === e))).toHaveLength(0);

    release();
    await waitFor(() => statusEvents(id).length === 2 && resultEvents(id).length === 2, { what: 'the held events' });
    expect(statusEvents(id).map((p) => [p.labEventId, p.status])).toEqual([
      [early[0]!.eventId, 'IN_PROGRESS'],
      [early[3]!.eventId, 'COMPLETED'],
    ]);
    expect(resultEvents(id).map((p) => [p.labEventId, p.result.resultStatus])).toEqual([
      [early[1]!.eventId, 'preliminary'],
      [early[2]!.eventId, 'final'],
    ]);
    expect(labEvents('accepted', id)).toHaveLength(1);
    expect(await sql(`SELECT 1 FROM "${schema}".lab_inbox WHERE processed_at IS NULL`)).toHaveLength(0);
  });

  it('never published any lab event or acceptance twice over the whole run', () => {
    const count = (values: string[]) => values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>());
    const twice = (values: string[]) => [...count(values)].filter(([, n]) => n > 1);
    expect(twice([...statusEvents(), ...resultEvents()].map((p) => p.labEventId))).toEqual([]);
    expect(twice(labEvents('accepted').map((p) => p.correlationId))).toEqual([]);
    expect(twice(labEvents('dispatched').map((p) => p.correlationId))).toEqual([]);
    expect(twice(lab.received.map((r) => r.externalRef)).filter(([ref]) => labEvents('rejected', ref).length > 0)).toEqual([]);
  });
});
