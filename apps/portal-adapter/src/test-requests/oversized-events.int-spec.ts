import { HEADERS, Topic } from '@labsync/contracts';
import { httpJson, sql, waitFor } from '@labsync/testing';
import { PortalAdapterUnderTest } from '../../test/portal-adapter-under-test';

const ACME = { id: 'acme', apiKey: 'acme-oversized-key', callbackSecret: 'acme-oversized-secret', callbackUrl: 'http://127.0.0.1:9/acme' };
const OPERATOR_KEY = 'operator-key-for-oversized-tests';
const code = (i: number) => `TEST-CODE-${String(i).padStart(4, '0')}-ABCDEFGHIJKLMNOPQ`.slice(0, 32);

/** The audit's body: 100 samples x 50 distinct 32-character test codes, 500-character descriptions. */
const largeBody = (portalRequestId: string) => ({
  portalRequestId,
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: Array.from({ length: 100 }, (_, s) => ({
    sampleId: `S-${s}`,
    matrix: 'water',
    description: 'd'.repeat(500),
    collectedAt: '2026-11-20T08:00:00Z',
    tests: Array.from({ length: 50 }, (_, t) => code(t)),
  })),
});
const smallBody = (portalRequestId: string) => ({ ...largeBody(portalRequestId), samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH'] }] });

describe('portal-adapter: events too large for their topic (real Kafka, real Postgres)', () => {
  const run = new PortalAdapterUnderTest({
    label: 'portal-oversized',
    partners: [ACME],
    logLevel: 'error',
    settings: {
      OPERATOR_API_KEY: OPERATOR_KEY,
      // Topics of 128 KiB: the ~235 kB event of the audit's body does not fit, a small one does.
      KAFKA_TOPIC_MAX_MESSAGE_BYTES: '131072',
      OUTBOX_MAX_BATCH_BYTES: '65536',
    },
  });
  const schema = run.schema;
  let url: string;
  const auth = { authorization: `Bearer ${ACME.apiKey}` };
  const operator = { authorization: `Bearer ${OPERATOR_KEY}` };
  const count = (table: string) => run.count(table);

  beforeAll(async () => {
    url = (await run.start()).url;
  });
  afterAll(() => run.stop());

  it('answers 413 problem+json before storing anything when the event would not fit its topic, and still accepts the next request', async () => {
    const refused = await httpJson('POST', `${url}/v1/test-requests`, largeBody('PR-HUGE'), { ...auth, 'idempotency-key': 'huge-1' });
    expect(refused.status).toBe(413);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'https://labsync.dev/problems/event-too-large', title: 'Payload Too Large', status: 413 });
    expect(refused.body.detail).toMatch(/Nothing was stored/);
    // The whole transaction rolled back: no request row, no idempotency key, no outbox row.
    expect(await count('test_requests')).toBe(0);
    expect(await count('idempotency_keys')).toBe(0);
    expect(await count('outbox')).toBe(0);

    const accepted = await httpJson('POST', `${url}/v1/test-requests`, smallBody('PR-SMALL'), auth);
    expect(accepted.status).toBe(202);
    await waitFor(async () => (await count('outbox')) === 0, { what: 'the small request to be published' });
    expect((await httpJson('GET', `${url}/health/ready`)).status).toBe(200);
  });

  it('parks a stored row too large for its topic, shows it to operators, and re-queues it on request', async () => {
    await sql(
      `INSERT INTO "${schema}".outbox (topic, message_key, headers, envelope) VALUES ($1, 'k-old', $2::jsonb, $3::jsonb)`,
      [Topic.requestSubmitted, JSON.stringify({ [HEADERS.eventId]: '00000000-0000-4000-8000-000000000001', [HEADERS.correlationId]: 'corr-old' }), JSON.stringify({ blob: 'o'.repeat(200_000) })],
    );
    const listed = await waitFor(async () => {
      const r = await httpJson('GET', `${url}/v1/operator/outbox/parked`, undefined, operator);
      return r.body.total === 1 ? r : undefined;
    }, { what: 'the oversized row to be parked' });
    expect(listed.status).toBe(200);
    expect(listed.body.parked[0]).toMatchObject({ topic: Topic.requestSubmitted, eventId: '00000000-0000-4000-8000-000000000001', correlationId: 'corr-old', attempts: 0 });
    expect(listed.body.parked[0].reason).toMatch(/exceeds the limit of 130048/);
    expect(listed.body.parked[0]).not.toHaveProperty('envelope');
    expect(await count('outbox')).toBe(0);
    expect((await httpJson('GET', `${url}/v1/operator/outbox/parked`)).status).toBe(401);
    expect((await httpJson('GET', `${url}/v1/operator/outbox/parked`, undefined, auth)).status).toBe(401);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/labsync_outbox_parked_total\{topic="labsync\.requests\.submitted\.v1",reason="too-large",service="portal-adapter"\} 1/);

    const id = listed.body.parked[0].id as string;
    expect((await httpJson('POST', `${url}/v1/operator/outbox/parked/${id}/requeue`, undefined, operator)).status).toBe(202);
    expect((await httpJson('POST', `${url}/v1/operator/outbox/parked/${id}/requeue`, undefined, operator)).status).toBe(404);
    expect((await httpJson('POST', `${url}/v1/operator/outbox/parked/nope/requeue`, undefined, operator)).status).toBe(400);
    // Still too large, so the relay parks it again (under a new id) rather than retrying it forever.
    await waitFor(async () => {
      const r = await httpJson('GET', `${url}/v1/operator/outbox/parked`, undefined, operator);
      return r.body.total === 1 && r.body.parked[0].id !== id;
    }, { what: 'the re-queued row to be parked again' });
  });
});
