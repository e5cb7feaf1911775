import { startService, type RunningService } from '@labsync/service-runtime';
import { dropSchemas, httpJson, sql, standInTestEnv, uniqueSchema, waitFor } from '@labsync/testing';
import { labSimService } from '../src/lab-sim.definition';
import { WebhookReceiver } from './webhook-receiver';

const SECRET = 'lab-sim-int-spec-webhook-secret';

function order(externalRef: string, tests: string[] = ['PH', 'LEAD'], extra: Record<string, unknown> = {}) {
  return {
    externalRef,
    customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
    priority: 'standard',
    samples: [
      { sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests },
      { sampleId: 'S-2', matrix: 'water', collectedAt: '2026-11-20T08:05:00Z', tests: ['E-COLI'] },
    ],
    ...extra,
  };
}

const leadResult = (resultStatus: string, value = 3.2) => ({
  sampleId: 'S-1',
  testCode: 'LEAD',
  resultStatus,
  analytes: [{ name: 'Lead', value, unit: 'µg/L' }],
});

describe('lab-sim (in-process, real Postgres)', () => {
  const schema = uniqueSchema('labsim');
  const receiver = new WebhookReceiver(SECRET);
  let lab: RunningService;
  let refSeq = 0;
  const ref = (label: string) => `${label}-${++refSeq}-${schema}`;

  const placeOrder = async (externalRef: string, tests?: string[]) => {
    const response = await httpJson('POST', `${lab.url}/api/orders`, order(externalRef, tests));
    expect(response.status).toBe(201);
    return response.body.labOrderId as string;
  };

  beforeAll(async () => {
    await receiver.start();
    lab = await startService(
      labSimService,
      await standInTestEnv(schema, 'warn', { LAB_WEBHOOK_URL: receiver.url, LAB_WEBHOOK_SECRET: SECRET, LAB_SIM_WEBHOOK_MAX_BACKOFF_MS: '300', LAB_SIM_REORDER_HOLD_MS: '300' }),
    );
  });

  afterEach(async () => {
    receiver.respond = () => 200;
    await httpJson('DELETE', `${lab.url}/sim/faults`);
  });

  afterAll(async () => {
    await lab?.close();
    await receiver.stop();
    await dropSchemas([schema]);
  });

  it('publishes its test catalog', async () => {
    const { status, body } = await httpJson('GET', `${lab.url}/api/catalog`);
    expect(status).toBe(200);
    const codes = body.tests.map((t: { code: string }) => t.code);
    expect(codes).toEqual(expect.arrayContaining(['PH', 'LEAD', 'NITRATE', 'E-COLI', 'TURBIDITY', 'COPPER']));
    expect(body.tests.find((t: { code: string }) => t.code === 'NITRATE')).toMatchObject({ unit: 'mg/L', analytes: [{ name: 'Nitrate (as N)' }, { name: 'Nitrite (as N)' }] });
  });

  it('creates exactly one order per external reference under concurrent posts, and counts every post', async () => {
    const distinct = Array.from({ length: 50 }, (_, i) => ref(`many-${i}`));
    const repeated = ref('repeated');
    const responses = await Promise.all([
      ...distinct.map((r) => httpJson('POST', `${lab.url}/api/orders`, order(r))),
      ...Array.from({ length: 10 }, () => httpJson('POST', `${lab.url}/api/orders`, order(repeated))),
    ]);
    expect(responses.slice(0, 50).map((r) => r.status)).toEqual(Array(50).fill(201));
    const repeatedStatuses = responses.slice(50).map((r) => r.status).sort();
    expect(repeatedStatuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    // Every answer for the repeated reference names the same lab order.
    expect(new Set(responses.slice(50).map((r) => r.body.labOrderId)).size).toBe(1);
    for (const r of responses) expect(r.body.labOrderId).toMatch(/^LO-[A-Z0-9]{8}$/);

    const { body } = await httpJson('GET', `${lab.url}/sim/orders`);
    const mine = body.orders.filter((o: { externalRef: string }) => distinct.includes(o.externalRef) || o.externalRef === repeated);
    expect(mine).toHaveLength(51);
    expect(new Set(mine.map((o: { labOrderId: string }) => o.labOrderId)).size).toBe(51);
    expect(mine.find((o: { externalRef: string }) => o.externalRef === repeated).postCount).toBe(10);
    expect(mine.filter((o: { postCount: number }) => o.postCount === 1)).toHaveLength(50);
    const [count] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".lab_orders WHERE external_ref = $1`, [repeated]);
    expect(Number(count!.n)).toBe(1);
  });

  it('answers a known external reference with the existing order, and it reads back by id', async () => {
    const externalRef = ref('again');
    const first = await httpJson('POST', `${lab.url}/api/orders`, order(externalRef));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ externalRef, status: 'RECEIVED', postCount: 1 });
    const second = await httpJson('POST', `${lab.url}/api/orders`, order(externalRef, ['NITRATE']));
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ labOrderId: first.body.labOrderId, externalRef, status: 'RECEIVED', postCount: 2 });
    expect(second.body.samples[0].tests).toEqual(['PH', 'LEAD']);

    const read = await httpJson('GET', `${lab.url}/api/orders/${first.body.labOrderId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      labOrderId: first.body.labOrderId,
      externalRef,
      priority: 'standard',
      customer: { id: 'C-42' },
      samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', tests: ['PH', 'LEAD'] }, { sampleId: 'S-2', tests: ['E-COLI'] }],
      results: [],
    });
    const byRef = await httpJson('GET', `${lab.url}/api/orders?externalRef=${encodeURIComponent(externalRef)}`);
    expect(byRef.body.orders.map((o: { labOrderId: string }) => o.labOrderId)).toEqual([first.body.labOrderId]);
    expect((await httpJson('GET', `${lab.url}/api/orders/LO-NOSUCH00`)).status).toBe(404);
  });

  it('rejects unknown test codes with reasons and stores nothing', async () => {
    const externalRef = ref('unknown-code');
    const { status, headers, body } = await httpJson('POST', `${lab.url}/api/orders`, {
      ...order(externalRef, ['PH', 'FOO']),
      samples: [...order(externalRef, ['PH', 'FOO']).samples, { sampleId: 'S-3', matrix: 'soil', collectedAt: '2026-11-20T08:00:00Z', tests: ['BAR'] }],
    });
    expect(status).toBe(422);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.reasons).toEqual(['sample S-1: unknown test code "FOO"', 'sample S-3: unknown test code "BAR"']);
    const listed = await httpJson('GET', `${lab.url}/sim/orders?externalRef=${encodeURIComponent(externalRef)}`);
    expect(listed.body.orders).toEqual([]);
  });

  it('answers a malformed order with 400 and the paths of the bad fields', async () => {
    const { status, body } = await httpJson('POST', `${lab.url}/api/orders`, { ...order(ref('bad')), priority: 'urgent', samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: 'yesterday', tests: [] }] });
    expect(status).toBe(400);
    const paths = body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/priority', '/samples/0/collectedAt', '/samples/0/tests']));
  });

  it('answers an order with text Postgres cannot store (U+0000, a lone surrogate) 400 at its path, and stores nothing', async () => {
    const externalRef = ref('unstorable');
    const base = order(externalRef);
    const { status, body } = await httpJson('POST', `${lab.url}/api/orders`, { ...base, notes: 'a\u0000b', samples: [{ ...base.samples[0]!, matrix: 'wa\ud800ter' }] });
    expect(status).toBe(400);
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/notes', '/samples/0/matrix']);
    const listed = await httpJson('GET', `${lab.url}/sim/orders?externalRef=${encodeURIComponent(externalRef)}`);
    expect(listed.body.orders).toEqual([]);
  });

  it('fires signed webhooks for status changes and results, in order per order', async () => {
    const labOrderId = await placeOrder(ref('work'));
    const fired: string[] = [];
    const steps: [string, unknown][] = [
      ['status', { status: 'IN_PROGRESS' }],
      ['results', leadResult('preliminary', 3.1)],
      ['results', leadResult('final', 3.2)],
      ['results', leadResult('corrected', 3.4)],
      ['status', { status: 'COMPLETED' }],
    ];
    for (const [kind, body] of steps) {
      const response = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/${kind}`, body);
      expect(response.status).toBe(202);
      expect(response.body.eventId).toMatch(/^[0-9a-f-]{36}$/);
      fired.push(response.body.eventId);
    }

    const arrived = await waitFor(() => receiver.accepted(labOrderId).length >= 5 && receiver.accepted(labOrderId), { timeoutMs: 10000, what: 'five webhooks' });
    expect(arrived.map((w) => w.eventId)).toEqual(fired);
    expect(arrived.every((w) => w.signatureValid && w.headerEventId === w.eventId)).toBe(true);
    expect(arrived.map((w) => w.type)).toEqual(['order.status-changed', 'result.reported', 'result.reported', 'result.reported', 'order.status-changed']);
    expect(arrived[0]!.data).toMatchObject({ labOrderId, status: 'IN_PROGRESS' });
    expect(arrived[2]!.body).toMatchObject({ eventId: fired[2], type: 'result.reported', occurredAt: expect.any(String) });
    expect(arrived[2]!.data).toEqual({
      labOrderId,
      externalRef: expect.any(String),
      sampleId: 'S-1',
      testCode: 'LEAD',
      resultStatus: 'final',
      analytes: [{ name: 'Lead', value: 3.2, unit: 'µg/L' }],
      reportedAt: expect.any(String),
    });

    const { body } = await httpJson('GET', `${lab.url}/api/orders/${labOrderId}`);
    expect(body.status).toBe('COMPLETED');
    expect(body.results.map((r: { resultStatus: string }) => r.resultStatus)).toEqual(['preliminary', 'final', 'corrected']);
    const outbox = await httpJson('GET', `${lab.url}/sim/webhooks?labOrderId=${labOrderId}`);
    expect(outbox.body.webhooks.every((w: { deliveredAt: string | null }) => w.deliveredAt !== null)).toBe(true);
  });

  it('refuses controls that do not fit the order', async () => {
    const labOrderId = await placeOrder(ref('controls'));
    expect((await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/status`, { status: 'DONE' })).status).toBe(400);
    expect((await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/status`, { status: 'RECEIVED' })).status).toBe(400);
    expect((await httpJson('POST', `${lab.url}/sim/orders/LO-NOSUCH00/status`, { status: 'IN_PROGRESS' })).status).toBe(404);
    const wrongSample = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/results`, { ...leadResult('final'), sampleId: 'S-9' });
    expect(wrongSample.status).toBe(400);
    expect(wrongSample.body.errors).toEqual([{ path: '/sampleId', message: expect.any(String) }]);
    const wrongTest = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/results`, { ...leadResult('final'), sampleId: 'S-2' });
    expect(wrongTest.status).toBe(400);
    expect((await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/results`, { ...leadResult('final'), resultStatus: 'draft' })).status).toBe(400);
    const { body } = await httpJson('GET', `${lab.url}/api/orders/${labOrderId}`);
    expect(body).toMatchObject({ status: 'RECEIVED', results: [] });
    expect(receiver.received.filter((w) => w.labOrderId === labOrderId)).toEqual([]);
  });

  it('retries a refused webhook with backoff and never lets a later one overtake it', async () => {
    const labOrderId = await placeOrder(ref('retry'));
    let refusals = 0;
    receiver.respond = (w) => (w.labOrderId === labOrderId && refusals++ < 3 ? 503 : 200);
    const first = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/status`, { status: 'IN_PROGRESS' });
    const second = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/results`, leadResult('final'));
    const arrived = await waitFor(() => receiver.accepted(labOrderId).length >= 2 && receiver.accepted(labOrderId), { timeoutMs: 15000, what: 'both webhooks accepted' });
    const all = receiver.received.filter((w) => w.labOrderId === labOrderId);
    expect(all.slice(0, 4).map((w) => [w.eventId, w.answeredStatus])).toEqual([
      [first.body.eventId, 503],
      [first.body.eventId, 503],
      [first.body.eventId, 503],
      [first.body.eventId, 200],
    ]);
    expect(arrived.map((w) => w.eventId)).toEqual([first.body.eventId, second.body.eventId]);
  });

  it('takes a 422 from the lab-adapter as final: not retried, the next webhook goes on, and GET /sim/webhooks shows it refused', async () => {
    const labOrderId = await placeOrder(ref('refused'));
    receiver.respond = (w) => (w.labOrderId === labOrderId && w.type === 'result.reported' ? 422 : 200);
    const refused = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/results`, leadResult('final'));
    const after = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/status`, { status: 'IN_PROGRESS' });
    await waitFor(() => receiver.accepted(labOrderId).some((w) => w.eventId === after.body.eventId), { timeoutMs: 15000, what: 'the webhook behind the refused one' });
    expect(receiver.received.filter((w) => w.eventId === refused.body.eventId).map((w) => w.answeredStatus)).toEqual([422]);
    const { body } = await httpJson('GET', `${lab.url}/sim/webhooks?labOrderId=${labOrderId}`);
    expect(body.webhooks.map((w: { eventId: string; outcome: string; attempts: number; lastStatus: number }) => [w.eventId, w.outcome, w.attempts, w.lastStatus])).toEqual([
      [refused.body.eventId, 'refused', 1, 422],
      [after.body.eventId, 'accepted', 1, 200],
    ]);
  });

  it('keeps up with many orders at once', async () => {
    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => placeOrder(ref(`bulk-${i}`))));
    await Promise.all(ids.map((id) => httpJson('POST', `${lab.url}/sim/orders/${id}/status`, { status: 'IN_PROGRESS' })));
    await Promise.all(ids.map((id) => httpJson('POST', `${lab.url}/sim/orders/${id}/status`, { status: 'CANCELLED' })));
    await waitFor(() => ids.every((id) => receiver.accepted(id).length >= 2), { timeoutMs: 15000, what: '200 webhooks for 100 orders' });
    for (const id of ids) expect(receiver.accepted(id).map((w) => w.data['status'])).toEqual(['IN_PROGRESS', 'CANCELLED']);
  });

  it('sends every webhook twice with the duplicate fault', async () => {
    const faults = await httpJson('POST', `${lab.url}/sim/faults`, { duplicateWebhooks: true });
    expect(faults.body).toEqual({ latencyMs: 0, errorRate: 0, down: false, duplicateWebhooks: true, reorderWebhooks: false });
    const labOrderId = await placeOrder(ref('duplicate'));
    const { body } = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/status`, { status: 'IN_PROGRESS' });
    const arrived = await waitFor(() => receiver.accepted(labOrderId).length >= 2 && receiver.accepted(labOrderId), { timeoutMs: 10000, what: 'the webhook twice' });
    expect(arrived.map((w) => w.eventId)).toEqual([body.eventId, body.eventId]);
  });

  it('swaps webhooks of an order in pairs with the reorder fault', async () => {
    await httpJson('POST', `${lab.url}/sim/faults`, { reorderWebhooks: true });
    const labOrderId = await placeOrder(ref('reorder'));
    const first = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/status`, { status: 'IN_PROGRESS' });
    const second = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/results`, leadResult('preliminary'));
    const third = await httpJson('POST', `${lab.url}/sim/orders/${labOrderId}/results`, leadResult('final'));
    // The third has no partner: it goes alone after the hold (300 ms here).
    const arrived = await waitFor(() => receiver.accepted(labOrderId).length >= 3 && receiver.accepted(labOrderId), { timeoutMs: 10000, what: 'three reordered webhooks' });
    expect(arrived.map((w) => w.eventId)).toEqual([second.body.eventId, first.body.eventId, third.body.eventId]);
  });

  it('answers 503 while down, without counting the post, and keeps /sim and /health working', async () => {
    const externalRef = ref('outage');
    const labOrderId = await placeOrder(externalRef);
    expect((await httpJson('POST', `${lab.url}/sim/faults`, { down: true })).body.down).toBe(true);
    const refused = await httpJson('POST', `${lab.url}/api/orders`, order(externalRef));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await httpJson('GET', `${lab.url}/api/catalog`)).status).toBe(503);
    expect((await httpJson('GET', `${lab.url}/api/orders/${labOrderId}`)).status).toBe(503);
    expect((await httpJson('GET', `${lab.url}/health/live`)).status).toBe(200);
    expect((await httpJson('GET', `${lab.url}/sim/faults`)).body.down).toBe(true);
    const listed = await httpJson('GET', `${lab.url}/sim/orders?externalRef=${encodeURIComponent(externalRef)}`);
    expect(listed.body.orders[0].postCount).toBe(1);

    expect((await httpJson('DELETE', `${lab.url}/sim/faults`)).body.down).toBe(false);
    expect((await httpJson('POST', `${lab.url}/api/orders`, order(externalRef))).status).toBe(200);
  });

  it('injects errors at the configured rate without counting the post, and latency', async () => {
    const externalRef = ref('errors');
    await httpJson('POST', `${lab.url}/sim/faults`, { errorRate: 1 });
    expect((await httpJson('POST', `${lab.url}/api/orders`, order(externalRef))).status).toBe(503);
    expect((await httpJson('GET', `${lab.url}/sim/orders?externalRef=${encodeURIComponent(externalRef)}`)).body.orders).toEqual([]);

    const settings = await httpJson('POST', `${lab.url}/sim/faults`, { errorRate: 0, latencyMs: 300 });
    expect(settings.body).toMatchObject({ errorRate: 0, latencyMs: 300 });
    const started = Date.now();
    expect((await httpJson('POST', `${lab.url}/api/orders`, order(externalRef))).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    expect((await httpJson('POST', `${lab.url}/sim/faults`, { errorRate: 2 })).status).toBe(400);
    expect((await httpJson('POST', `${lab.url}/sim/faults`, { latency: 5 })).status).toBe(400);
    expect((await httpJson('GET', `${lab.url}/sim/faults`)).body).toMatchObject({ errorRate: 0, latencyMs: 300 });
  });
});
