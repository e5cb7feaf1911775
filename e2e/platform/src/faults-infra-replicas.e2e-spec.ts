import { httpJson, waitFor } from '@labsync/testing';
import { FlowDriver } from './flow-checks';
import { SUBMIT_CONCURRENCY, counterSum, repostedOrders, report, secondsSince, trackerDuplicates } from './faults-infra-support';
import { PlatformStack } from './platform-stack';

/**
 * Infrastructure fault (issue 3): two replicas each of the lab-adapter and the correlation-tracker share the
 * work (one consumer group per app, lab dispatches leased row by row); mid-flow one lab-adapter replica is
 * killed (SIGKILL: its leases and its group membership just stop) and one tracker replica is stopped
 * (SIGTERM: it leaves the group). The survivors take over; nothing is processed twice, nothing is lost.
 */
const REQUESTS = 200;
const AFTER_STOP = 60;

describe('infrastructure fault: one of two replicas of the lab-adapter and of the tracker stopped mid-flow (rebalance)', () => {
  const stack = new PlatformStack(
    12,
    {
      labAdapter: { LAB_REQUEST_TIMEOUT_MS: '3000', LAB_DISPATCH_LEASE_MS: '6000', LAB_RETRY_BASE_DELAY_MS: '200', LAB_RETRY_MAX_DELAY_MS: '2000' },
      // Small pools for seven processes (Postgres allows 100 connections for every suite running at once),
      // except where 50 partners' requests arrive at once.
      portalAdapter: { DB_POOL_SIZE: '10' },
    },
    { extraReplicas: { labAdapter: 1, tracker: 1 }, dbPoolSize: 3 },
  );
  const flow = new FlowDriver(stack);
  const [labAdapter2] = stack.extraReplicas.labAdapter;
  const [tracker2] = stack.extraReplicas.tracker;
  const labAdapters = [stack.labAdapter, labAdapter2!];
  const trackers = [stack.tracker, tracker2!];
  const dispatched = (app: (typeof labAdapters)[number]) => counterSum(app, 'labsync_lab_dispatch_attempts_total');
  const consumed = (app: (typeof trackers)[number]) => counterSum(app, 'labsync_events_consumed_total', { outcome: 'processed' });

  beforeAll(async () => {
    const started = Date.now();
    await stack.start();
    report('stack', { processes: stack.all.length, startSeconds: secondsSince(started) });
  }, 240_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it(`takes ${REQUESTS + AFTER_STOP} requests through exactly once each while a lab-adapter replica is killed and a tracker replica stopped`, async () => {
    // 100 ms per lab call keeps both lab-adapter replicas busy with calls open when one is killed.
    expect((await httpJson('POST', `${stack.labSim.url}/sim/faults`, { latencyMs: 100 })).status).toBe(200);
    const started = Date.now();
    const submitting = flow.submitMany(REQUESTS, 'REPLICAS', {}, SUBMIT_CONCURRENCY);

    // Both replicas of each app are doing their share before one of each goes away.
    await waitFor(async () => (await Promise.all(labAdapters.map(dispatched))).every((n) => n >= 10) && (await Promise.all(trackers.map(consumed))).every((n) => n >= 30), {
      timeoutMs: 90_000,
      intervalMs: 100,
      what: 'both lab-adapter replicas calling the lab and both trackers applying events',
    });
    const shares = { labCalls: await Promise.all(labAdapters.map(dispatched)), trackerEvents: await Promise.all(trackers.map(consumed)) };
    const stoppedAt = Date.now();
    await Promise.all([labAdapter2!.kill(), stack.tracker.stop()]);
    const ordersAtStop = (await flow.labOrders()).length;
    const first = await submitting;
    expect(first).toHaveLength(REQUESTS);
    // Mid-flow: the lab did not have every order yet.
    expect(ordersAtStop).toBeLessThan(REQUESTS);

    // New requests after the stop land on partitions the stopped replicas owned, until the group rebalances.
    const second = await flow.submitMany(AFTER_STOP, 'REPLICAS-AFTER', {}, SUBMIT_CONCURRENCY);
    expect(second).toHaveLength(AFTER_STOP);
    const requests = [...first, ...second];
    expect((await httpJson('DELETE', `${stack.labSim.url}/sim/faults`)).status).toBe(200);
    const orders = await flow.waitForLabOrders(requests, 150_000);
    const allInLabSeconds = secondsSince(stoppedAt);
    await flow.waitForStatus(requests, 'ACCEPTED_BY_LAB', 150_000);
    const allAcceptedSeconds = secondsSince(stoppedAt);
    await flow.labWork(orders);
    await flow.waitForStatus(requests, 'DELIVERED', 240_000);

    const violations = await flow.violations(requests);
    const duplicates = await trackerDuplicates(stack.schemas.tracker, requests);
    const survivorShares = { labCalls: await dispatched(stack.labAdapter), trackerEvents: await consumed(tracker2!) };
    report('replicas', {
      requests: requests.length,
      sharesBeforeStop: shares,
      survivorTotalsAtEnd: survivorShares,
      ordersInLabAtStop: ordersAtStop,
      allInLabSecondsAfterStop: allInLabSeconds,
      allAcceptedSecondsAfterStop: allAcceptedSeconds,
      allDeliveredSecondsAfterStop: secondsSince(stoppedAt),
      ordersPostedMoreThanOnce: repostedOrders(orders),
      totalSeconds: secondsSince(started),
      violations: violations.length,
      trackerDuplicates: duplicates.length,
    });
    // The survivors took over the stopped replicas' work.
    expect(survivorShares.labCalls).toBeGreaterThan(shares.labCalls[0]!);
    expect(survivorShares.trackerEvents).toBeGreaterThan(shares.trackerEvents[1]!);
    expect(violations).toEqual([]);
    expect(duplicates).toEqual([]);
  }, 480_000);
});
