import { CorrelationStatusChanged, Topic } from '@labsync/contracts';
import { httpJson, sql, waitFor, type TopicReader } from '@labsync/testing';
import { PortalAdapterUnderTest } from '../../test/portal-adapter-under-test';

const ACME = { id: 'acme', apiKey: 'acme-unconfirmed-key', callbackSecret: 'acme-unconfirmed-secret', callbackUrl: 'http://127.0.0.1:9/unused' };
const OPERATOR_KEY = 'unconfirmed-int-operator-key';
const operator = { authorization: `Bearer ${OPERATOR_KEY}` };

const requestBody = (portalRequestId: string) => ({
  portalRequestId,
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH'] }],
});

/**
 * The detector of accepted requests that never reached the tracker. No tracker runs here: a request is
 * confirmed only when this test publishes its RECEIVED snapshot, as the tracker would; one whose event is
 * taken out of the outbox before the relay sees it stands for a lost event.
 */
describe('unconfirmed-request detector (real Kafka, real Postgres)', () => {
  const run = new PortalAdapterUnderTest({
    label: 'pa-unconfirmed',
    partners: [ACME],
    logLevel: 'fatal',
    settings: { OPERATOR_API_KEY: OPERATOR_KEY, UNCONFIRMED_REQUEST_AFTER_MS: '1500', UNCONFIRMED_CHECK_INTERVAL_MS: '200' },
  });
  const schema = run.schema;
  let submitted: TopicReader<typeof Topic.requestSubmitted>;

  const list = async (status: 'open' | 'resolved') => {
    const response = await httpJson('GET', `${run.url}/v1/operator/unconfirmed-requests?status=${status}`, undefined, operator);
    expect(response.status).toBe(200);
    return (response.body.requests as { correlationId: string; pendingInOutbox: boolean; parkedInOutbox: boolean; republished: number }[]);
  };
  const listed = async (status: 'open' | 'resolved', correlationId: string) => (await list(status)).some((r) => r.correlationId === correlationId);
  const gauge = () => run.metric(/^labsync_requests_unconfirmed[ {]/);

  async function submit(portalRequestId: string): Promise<string> {
    const response = await httpJson('POST', `${run.url}/v1/test-requests`, requestBody(portalRequestId), { authorization: `Bearer ${ACME.apiKey}` });
    expect(response.status).toBe(202);
    return response.body.correlationId as string;
  }

  /** What the tracker publishes once it has taken request.submitted in. */
  async function confirm(correlationId: string, portalRequestId: string): Promise<void> {
    const payload = CorrelationStatusChanged.payload.parse({
      correlationId,
      partnerId: ACME.id,
      portalRequestId,
      status: 'RECEIVED',
      labOrderId: null,
      version: 1,
      updatedAt: new Date().toISOString(),
      timeline: [{ seq: 1, at: new Date().toISOString(), status: 'RECEIVED', source: 'portal' }],
      results: [],
    });
    await run.publishSnapshots([payload]);
  }

  beforeAll(async () => {
    await run.start();
    submitted = await run.kafka.reader(Topic.requestSubmitted);
  });
  afterAll(() => run.stop());

  it('alerts an accepted request that never comes back from the tracker, not one that does, and clears the alert when it arrives', async () => {
    const lost = await submit('PR-UNCONFIRMED-LOST');
    const fine = await submit('PR-UNCONFIRMED-FINE');
    await confirm(fine, 'PR-UNCONFIRMED-FINE');

    await waitFor(() => listed('open', lost), { what: 'the request without a snapshot to be listed as unconfirmed', timeoutMs: 20_000 });
    expect(await listed('open', fine)).toBe(false);
    expect(await gauge()).toBeGreaterThanOrEqual(1);

    await confirm(lost, 'PR-UNCONFIRMED-LOST');
    await waitFor(() => listed('resolved', lost), { what: 'the late request to be marked resolved', timeoutMs: 20_000 });
    expect(await listed('open', lost)).toBe(false);
  });

  it('lists an event that vanished from the outbox, and a republish puts request.submitted on the topic again', async () => {
    // Hold the relay off this row: take the outbox row out the moment it is committed, like the lost event of the audit.
    await sql(`CREATE FUNCTION "${schema}".swallow_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
    await sql(`CREATE TRIGGER swallow_one BEFORE INSERT ON "${schema}".outbox FOR EACH ROW EXECUTE FUNCTION "${schema}".swallow_one()`);
    const lost = await submit('PR-UNCONFIRMED-SWALLOWED');
    await sql(`DROP TRIGGER swallow_one ON "${schema}".outbox`);
    expect((await sql(`SELECT 1 FROM "${schema}".test_requests WHERE correlation_id = $1`, [lost])).length).toBe(1);

    await waitFor(() => listed('open', lost), { what: 'the swallowed request to be listed as unconfirmed', timeoutMs: 20_000 });
    const entry = (await list('open')).find((r) => r.correlationId === lost)!;
    expect(entry.pendingInOutbox).toBe(false);
    expect(entry.parkedInOutbox).toBe(false);
    await waitFor(() => submitted.caughtUp(), { what: 'the topic reader to catch up' });
    expect(submitted.payloads().filter((p) => p.correlationId === lost)).toHaveLength(0);

    expect((await httpJson('POST', `${run.url}/v1/operator/unconfirmed-requests/${lost}/republish`)).status).toBe(401);
    const republished = await httpJson('POST', `${run.url}/v1/operator/unconfirmed-requests/${lost}/republish`, undefined, operator);
    expect(republished.status).toBe(202);
    expect(republished.body).toEqual({ correlationId: lost, republished: 1 });

    await waitFor(() => submitted.payloads().some((p) => p.correlationId === lost), { what: 'the republished request.submitted on the topic', timeoutMs: 20_000 });
    const event = submitted.payloads().find((p) => p.correlationId === lost)!;
    expect(event.partnerId).toBe(ACME.id);
    expect(event.request.portalRequestId).toBe('PR-UNCONFIRMED-SWALLOWED');

    await confirm(lost, 'PR-UNCONFIRMED-SWALLOWED');
    await waitFor(() => listed('resolved', lost), { what: 'the republished request to be resolved', timeoutMs: 20_000 });
    const again = await httpJson('POST', `${run.url}/v1/operator/unconfirmed-requests/${lost}/republish`, undefined, operator);
    expect(again.status).toBe(409);
    expect((await httpJson('POST', `${run.url}/v1/operator/unconfirmed-requests/00000000-0000-4000-8000-000000000000/republish`, undefined, operator)).status).toBe(404);
  });
});
