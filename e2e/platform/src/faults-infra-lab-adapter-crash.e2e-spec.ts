import { httpJson, waitFor } from '@labsync/testing';
import { FlowDriver } from './flow-checks';
import { SUBMIT_CONCURRENCY, repostedOrders, report, secondsSince, trackerDuplicates } from './faults-infra-support';
import { PlatformStack } from './platform-stack';

/**
 * Infrastructure fault (issue 3): the lab-adapter process is killed (SIGKILL: no shutdown hook, no flush)
 * while 300 requests are in flight to the lab, and again while the lab's webhooks come in; each time it is
 * restarted. The five apps are real processes on the shared broker and database.
 */
const REQUESTS = 300;

describe('infrastructure fault: the lab-adapter killed (SIGKILL) mid-flow and restarted', () => {
  const stack = new PlatformStack(10, {
    // A crashed worker's lab calls are retried once its lease runs out: 3 s calls, 6 s leases (defaults
    // 10 s / 40 s) so the test measures the platform's recovery rather than waiting out production margins.
    labAdapter: { LAB_REQUEST_TIMEOUT_MS: '3000', LAB_DISPATCH_LEASE_MS: '6000', LAB_RETRY_BASE_DELAY_MS: '200', LAB_RETRY_MAX_DELAY_MS: '2000' },
    // Small pools (Postgres allows 100 connections for every suite running at once), except where 50
    // partners' requests arrive at once.
    portalAdapter: { DB_POOL_SIZE: '10' },
  }, { dbPoolSize: 4 });
  const flow = new FlowDriver(stack);
  const labFaults = (faults: Record<string, unknown>) => httpJson('POST', `${stack.labSim.url}/sim/faults`, faults);

  beforeAll(async () => {
    const started = Date.now();
    await stack.start();
    report('stack', { startSeconds: secondsSince(started) });
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it(`loses nothing and creates one lab order per request when the lab-adapter is killed with ${REQUESTS} requests in flight`, async () => {
    // Every lab call takes 150 ms, so the kill lands while calls are open: the lab may have created an order
    // whose answer the lab-adapter never read. After the restart it posts that order again (lease expired),
    // and the lab answers the known externalRef with the existing order.
    expect((await labFaults({ latencyMs: 150 })).status).toBe(200);
    const started = Date.now();
    const submitting = flow.submitMany(REQUESTS, 'CRASH', {}, SUBMIT_CONCURRENCY);
    await waitFor(async () => (await flow.labOrders()).length >= REQUESTS / 6, { timeoutMs: 90_000, intervalMs: 50, what: `${REQUESTS / 6} lab orders before the kill` });
    await stack.labAdapter.kill();
    const killedAt = Date.now();
    const ordersAtKill = (await flow.labOrders()).length;
    const requests = await submitting;
    // The portal-adapter acknowledges on its own (stored with its outbox), whatever the lab-adapter does.
    expect(requests).toHaveLength(REQUESTS);
    // The kill happened mid-flow: the lab held only part of the orders.
    expect(ordersAtKill).toBeLessThan(REQUESTS);

    // The new process is ready once its consumer joined the group, i.e. once the coordinator gave up on the
    // killed member (KAFKA_SESSION_TIMEOUT_MS, 15 s): that wait is part of what a crash costs.
    await stack.labAdapter.start();
    const restartedAt = Date.now();
    const firstRestartSeconds = secondsSince(killedAt);
    expect((await httpJson('DELETE', `${stack.labSim.url}/sim/faults`)).status).toBe(200);
    const orders = await flow.waitForLabOrders(requests, 150_000);
    const allInLabAfterRestart = secondsSince(restartedAt);
    await flow.waitForStatus(requests, 'ACCEPTED_BY_LAB', 150_000);
    const allAcceptedAfterRestart = secondsSince(restartedAt);

    // The lab works every order; the lab-adapter is killed again while its webhooks come in (they are
    // retried by the lab until it answers), then restarted.
    const half = Math.floor(orders.length / 2);
    await flow.labWork(orders.slice(0, half));
    await stack.labAdapter.kill();
    const secondKillAt = Date.now();
    const secondHalf = flow.labWork(orders.slice(half));
    await stack.labAdapter.start();
    const secondRestartSeconds = secondsSince(secondKillAt);
    await secondHalf;
    await flow.waitForStatus(requests, 'DELIVERED', 240_000);

    const violations = await flow.violations(requests);
    const duplicates = await trackerDuplicates(stack.schemas.tracker, requests);
    const labOrders = (await flow.labOrders()).filter((o) => requests.some((r) => r.correlationId === o.externalRef));
    report('lab-adapter SIGKILL', {
      requests: REQUESTS,
      ordersInLabAtKill: ordersAtKill,
      killSecondsAfterFirstSubmit: Number(((killedAt - started) / 1000).toFixed(1)),
      killToRestartedSeconds: firstRestartSeconds,
      allInLabSecondsAfterRestart: allInLabAfterRestart,
      allAcceptedSecondsAfterRestart: allAcceptedAfterRestart,
      ordersPostedMoreThanOnce: repostedOrders(labOrders),
      secondKillToRestartedSeconds: secondRestartSeconds,
      allDeliveredSecondsAfterSecondKill: secondsSince(secondKillAt),
      totalSeconds: secondsSince(started),
      violations: violations.length,
      trackerDuplicates: duplicates.length,
    });
    expect(violations).toEqual([]);
    expect(duplicates).toEqual([]);
  }, 420_000);
});
