import { TEST_DATABASE_URL, httpJson, sql, waitFor } from '@labsync/testing';
import { Client } from 'pg';
import { FlowDriver, LAB_WORK_SEQUENCE, testRequest, type AcknowledgedRequest, type ReceivedEvent } from './flow-checks';
import { SMALL_POOLS, faultTimer, logFigures, metricSum, partnerFaultSuite, secondsSince } from './partner-faults';
import { PlatformStack } from './platform-stack';

/**
 * Fault tests on the portal's side (issue 3), with the five apps as real processes on the shared broker and
 * database: the portal down for 20 s while statuses and results flow, and a callback the portal answered
 * 2xx twice because labsync did not see its first answer. Each ends with the invariants of
 * FlowDriver.violations. One stack for the file; faults are cleared after each test.
 */
const CALLBACK_TIMEOUT_MS = 3000;

describe('partner faults on the portal side (five processes, real Kafka and Postgres)', () => {
  const stack = new PlatformStack(21, {
    portalAdapter: {
      // Small so the tests are quick: a callback POST times out after 3 s, retries back off from 100 ms up to
      // 1 s (with full jitter), and a 20 s outage never exhausts the attempts.
      CALLBACK_TIMEOUT_MS: String(CALLBACK_TIMEOUT_MS),
      CALLBACK_RETRY_BASE_MS: '100',
      CALLBACK_RETRY_MAX_MS: '1000',
      CALLBACK_MAX_ATTEMPTS: '1000',
      ...SMALL_POOLS.platform,
    },
    labAdapter: SMALL_POOLS.platform,
    tracker: SMALL_POOLS.platform,
    labSim: SMALL_POOLS.standIn,
    portalSim: SMALL_POOLS.standIn,
  });
  const flow = new FlowDriver(stack);
  const faults = partnerFaultSuite(stack);
  const callbackAttempts = (outcome: string) => metricSum(stack.portalAdapter.url, 'labsync_callback_attempts_total', { outcome });
  /** What portal-sim recorded for these requests. Its read is retried: on a test server shared by several
   *  stacks its database can refuse a connection for a moment; the judgement is never retried. */
  const receivedFor = async (requests: AcknowledgedRequest[]) => {
    const ids = new Set(requests.map((r) => r.correlationId));
    const events = await waitFor(
      async () => {
        const answer = await httpJson<{ events?: ReceivedEvent[] }>('GET', `${stack.portalSim.url}/sim/received`);
        return answer.status === 200 && answer.body.events;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: 'portal-sim to list what it received' },
    );
    return events.filter((e) => ids.has(e.correlationId));
  };
  const labDoes = async (path: string, body: unknown) => {
    const answer = await httpJson('POST', `${stack.labSim.url}/sim/orders/${path}`, body);
    if (answer.status !== 202) throw new Error(`lab-sim ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  };

  const db = new Client({ connectionString: TEST_DATABASE_URL });

  beforeAll(() => db.connect());
  afterAll(() => db.end());

  it('portal-sim down for 20 s while statuses and results flow: callbacks retry with backoff, then each notification arrives once and in order', async () => {
    const before = { rejected: await callbackAttempts('rejected'), delivered: await callbackAttempts('delivered') };
    await faults.portal({ down: true });
    const outageStarted = Date.now();

    const requests = await flow.submitMany(60, 'PORTALDOWN');
    expect(requests).toHaveLength(60);
    const orders = await flow.waitForLabOrders(requests, 120_000);
    await flow.waitForStatus(requests, 'ACCEPTED_BY_LAB', 120_000);
    await flow.labWork(orders);
    // Everything flowed inside labsync: each request COMPLETED, none DELIVERED (the portal acknowledged nothing).
    // (The outage lasts 20 s, or until then if a loaded machine needs longer.)
    await flow.waitForStatus(requests, 'COMPLETED', 120_000);
    const completedWhileDownSeconds = secondsSince(outageStarted);
    await faultTimer(Math.max(0, 20_000 - (Date.now() - outageStarted)));
    expect(await receivedFor(requests)).toEqual([]);
    expect((await callbackAttempts('delivered')) - before.delivered).toBe(0);
    const rejectedWhileDown = (await callbackAttempts('rejected')) - before.rejected;
    const outageSeconds = secondsSince(outageStarted);
    // Every correlation's head of line was retried, and with backoff: far fewer attempts than a tight loop
    // (the backoff caps at 1 s with full jitter, about 2 attempts a second per correlation at worst).
    expect(rejectedWhileDown).toBeGreaterThanOrEqual(requests.length);
    expect(rejectedWhileDown).toBeLessThan(requests.length * outageSeconds * 4);
    const attemptsPerHead = await sql<{ max: number; avg: string }>(
      `SELECT max(attempts) AS max, avg(attempts)::numeric(10, 1)::text AS avg FROM "${stack.schemas.portalAdapter}".callback_deliveries
        WHERE state = 'PENDING' AND attempts > 0`,
    );

    await faults.portal({ down: false });
    const recovered = Date.now();
    await flow.waitForStatus(requests, 'DELIVERED', 120_000);
    const recoverySeconds = secondsSince(recovered);

    expect(await flow.violations(requests)).toEqual([]);
    logFigures('portal down 20 s', {
      requests: requests.length,
      notifications: requests.length * LAB_WORK_SEQUENCE.length,
      outageSeconds,
      allCompletedInsideLabsyncAfterSeconds: completedWhileDownSeconds,
      callbackAttemptsRefusedWhileDown: rejectedWhileDown,
      maxAttemptsOfOneHeadOfLine: attemptsPerHead[0]?.max,
      meanAttemptsOfHeadsOfLine: attemptsPerHead[0]?.avg,
      fromPortalRecoveryToAllDeliveredSeconds: recoverySeconds,
    });
  }, 400_000);

  it('the same callback answered 2xx twice (the first answer not seen by labsync): the portal dedupes it by event id, labsync moves on in order, DELIVERED', async () => {
    const submitted = await flow.submit('acme', testRequest('PR-TWICE-1'));
    expect(submitted.status).toBe(202);
    const request: AcknowledgedRequest = { partner: 'acme', correlationId: submitted.body.correlationId };
    // Nothing else in flight: every earlier callback acknowledged, so the slow portal below times out only ours.
    await waitFor(
      async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.portalAdapter}".callback_deliveries WHERE state <> 'DELIVERED'`)).rows[0]!.n) === 0,
      { timeoutMs: 60_000, intervalMs: 200, what: 'the callback queue to drain' },
    );
    const [order] = await flow.waitForLabOrders([request]);
    await flow.waitForStatus([request], 'ACCEPTED_BY_LAB');
    // The portal has everything so far, so the next callback is the only one in flight.
    await waitFor(async () => (await receivedFor([request])).length === 2, { timeoutMs: 30_000, what: 'DISPATCHED and ACCEPTED_BY_LAB at the portal' });
    const timeoutsBefore = await callbackAttempts('timeout');

    // The portal becomes slower than labsync's callback timeout: it records the callback and answers 2xx,
    // but only after labsync gave up waiting.
    await faults.portal({ latencyMs: CALLBACK_TIMEOUT_MS + 1500 });
    await labDoes(`${order!.labOrderId}/status`, { status: 'IN_PROGRESS' });
    const deliveries = `"${stack.schemas.portalAdapter}".callback_deliveries`;
    const inProgress = `correlation_id = $1 AND body->'data'->>'status' = 'IN_PROGRESS'`;
    // The moment labsync sends it (claims the delivery: lease taken, no attempt counted yet), and while that
    // first attempt waits in the slow portal, the portal recovers: the retry, due only after labsync's 3 s
    // timeout, gets a quick 2xx. Polled on one open connection: a new connection per poll can take longer
    // than the window on a loaded machine.
    const claimed = await waitFor(
      async () => {
        const { rows } = await db.query<{ notification_id: string; seq: number; attempts: number }>(
          `SELECT notification_id, seq, attempts FROM ${deliveries} WHERE ${inProgress} AND (lease_until IS NOT NULL OR attempts > 0)`,
          [request.correlationId],
        );
        return rows[0];
      },
      { timeoutMs: 30_000, intervalMs: 10, what: 'labsync sending the IN_PROGRESS callback' },
    );
    const claimedAt = Date.now();
    expect(claimed.attempts).toBe(0);
    await faultTimer(800);
    await faults.portal({ latencyMs: 0 });

    const delivered = await waitFor(
      async () => {
        const [row] = (await db.query<{ state: string; attempts: number }>(`SELECT state, attempts FROM ${deliveries} WHERE ${inProgress}`, [request.correlationId])).rows;
        const event = (await receivedFor([request])).find((e) => e.eventId === claimed.notification_id);
        return row?.state === 'DELIVERED' && event && event.deliveries >= 2 && { row, event };
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the IN_PROGRESS callback acknowledged, and received twice' },
    );
    const secondAnswerSeconds = secondsSince(claimedAt);
    // Labsync sent it twice (one timeout, one acknowledged), the portal answered 2xx both times and kept one event.
    expect(delivered.row.attempts).toBe(2);
    expect((await callbackAttempts('timeout')) - timeoutsBefore).toBe(1);
    expect(delivered.event).toMatchObject({ type: 'status.changed', deliveries: 2, body: { data: { status: 'IN_PROGRESS' } } });
    expect((await receivedFor([request])).filter((e) => e.eventId === claimed.notification_id)).toHaveLength(1);

    // Labsync moves on: the rest of the lab's work reaches the portal once each, in order, and it ends DELIVERED.
    await labDoes(`${order!.labOrderId}/results`, { sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: 'pH' }] });
    await labDoes(`${order!.labOrderId}/results`, { sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [{ name: 'pH', value: 7.2, unit: 'pH' }] });
    await labDoes(`${order!.labOrderId}/results`, { sampleId: 'S-1', testCode: 'LEAD', resultStatus: 'final', analytes: [{ name: 'Lead', value: 3.4, unit: 'µg/L' }] });
    await labDoes(`${order!.labOrderId}/status`, { status: 'COMPLETED' });
    await flow.waitForStatus([request], 'DELIVERED', 60_000);

    expect(await flow.violations([request], LAB_WORK_SEQUENCE, { expectedDeliveries: new Map([[claimed.notification_id, 2]]) })).toEqual([]);
    // Without the allowance the strict check would flag exactly that event, so the check above is not vacuous.
    expect(await flow.violations([request])).toEqual([`${request.correlationId}: event ${claimed.notification_id} delivered 2 times (expected 1)`]);
    logFigures('callback answered 2xx twice', {
      eventId: claimed.notification_id,
      seq: claimed.seq,
      labsyncAttempts: delivered.row.attempts,
      portalDeliveries: delivered.event.deliveries,
      fromFirstSendToSecondAnswerSeconds: secondAnswerSeconds,
    });
  }, 180_000);
});
