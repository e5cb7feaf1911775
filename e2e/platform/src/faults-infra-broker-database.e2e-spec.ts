import { PrivateKafkaBroker, waitFor } from '@labsync/testing';
import { FlowDriver, LAB_WORK_SEQUENCE, type AcknowledgedRequest } from './flow-checks';
import { SUBMIT_CONCURRENCY, allLive, connectionsOf, cutDatabaseConnections, faultTimer, report, secondsSince, trackerDuplicates } from './faults-infra-support';
import { PlatformStack } from './platform-stack';

/**
 * Infrastructure faults (issue 3) on the stack's own Kafka broker and on its database connections, with the
 * five apps as real processes. The broker is this suite's private one (tools/kafka/kafka.mjs --run-dir, on
 * free ports): the shared broker on 9092 serves the other suites and is never stopped. Postgres is not
 * restarted either (the other suites use it): the apps' own connections are cut, by application_name.
 */
const OUTAGE_MS = 15_000;

describe('infrastructure faults: the Kafka broker stopped for 15 s, the database connections cut, mid-flow', () => {
  const broker = new PrivateKafkaBroker('fault');
  let stack: PlatformStack;
  let flow: FlowDriver;

  beforeAll(async () => {
    const started = Date.now();
    await broker.start();
    const brokerSeconds = secondsSince(started);
    // Small pools (Postgres allows 100 connections for every suite running at once), except where 50
    // partners' requests arrive at once.
    stack = new PlatformStack(11, { portalAdapter: { DB_POOL_SIZE: '10' } }, { kafkaBrokers: broker.brokers, dbPoolSize: 4 });
    flow = new FlowDriver(stack);
    await stack.start();
    report('stack', { privateBroker: broker.brokers, brokerStartSeconds: brokerSeconds, startSeconds: secondsSince(started) });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await broker.destroy();
  }, 90_000);

  /** Portal-sim's count of notifications for `requests` (each request gets LAB_WORK_SEQUENCE.length once worked). */
  const notificationsOf = async (requests: AcknowledgedRequest[]) => {
    const ids = new Set(requests.map((r) => r.correlationId));
    return (await flow.received()).filter((e) => ids.has(e.correlationId)).length;
  };

  /**
   * The common shape of both tests: `first` requests reach the lab and are accepted; then, while the lab
   * works them and `second` requests are being submitted, `fault` strikes once the portal has seen a tenth of
   * the notifications the lab's work causes (mid-flow); `third` requests are submitted during the fault. Everything
   * must then arrive, and the invariants hold for all acknowledged requests.
   */
  async function midFlow(label: string, counts: { first: number; second: number; third: number }, fault: (submitDuringFault: () => Promise<AcknowledgedRequest[]>) => Promise<Record<string, unknown>>) {
    const started = Date.now();
    const first = await flow.submitMany(counts.first, `${label}-A`, {}, SUBMIT_CONCURRENCY);
    expect(first).toHaveLength(counts.first);
    const firstOrders = await flow.waitForLabOrders(first);
    await flow.waitForStatus(first, 'ACCEPTED_BY_LAB');

    // Dispatched and accepted have reached the portal; a tenth of what the lab's work causes must have too.
    const expectedFirst = first.length * LAB_WORK_SEQUENCE.length;
    const beforeWork = await notificationsOf(first);
    const working = flow.labWork(firstOrders, 4);
    const submittingSecond = flow.submitMany(counts.second, `${label}-B`, {}, SUBMIT_CONCURRENCY);
    await waitFor(async () => (await notificationsOf(first)) >= beforeWork + (expectedFirst - beforeWork) / 10, {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: "a tenth of the lab work's notifications before the fault",
    });
    const notifiedAtFault = await notificationsOf(first);

    let third: AcknowledgedRequest[] = [];
    const figures = await fault(async () => (third = await flow.submitMany(counts.third, `${label}-C`, {}, SUBMIT_CONCURRENCY)));
    const faultEndedAt = Date.now();
    // The fault struck mid-flow: the portal had not yet had everything of the first batch.
    expect(notifiedAtFault).toBeLessThan(expectedFirst);

    await working;
    const second = await submittingSecond;
    const later = [...second, ...third];
    const laterOrders = await flow.waitForLabOrders(later, 150_000);
    const laterInLabSeconds = secondsSince(faultEndedAt);
    await flow.waitForStatus(first, 'DELIVERED', 180_000);
    const firstDeliveredSeconds = secondsSince(faultEndedAt);
    await flow.waitForStatus(later, 'ACCEPTED_BY_LAB', 150_000);
    await flow.labWork(laterOrders);
    const requests = [...first, ...later];
    await flow.waitForStatus(requests, 'DELIVERED', 180_000);

    const violations = await flow.violations(requests);
    const duplicates = await trackerDuplicates(stack.schemas.tracker, requests);
    report(label, {
      ...figures,
      acknowledged: { first: first.length, second: second.length, third: third.length },
      notificationsOfFirstBatchAtFault: `${notifiedAtFault}/${expectedFirst}`,
      firstBatchAllDeliveredSecondsAfterFault: firstDeliveredSeconds,
      laterBatchesAllInLabSecondsAfterFault: laterInLabSeconds,
      allDeliveredSecondsAfterFault: secondsSince(faultEndedAt),
      totalSeconds: secondsSince(started),
      violations: violations.length,
      trackerDuplicates: duplicates.length,
    });
    expect(violations).toEqual([]);
    expect(duplicates).toEqual([]);
  }

  it('keeps the apps running through a 15 s broker outage, loses nothing acknowledged (also during the outage), and completes after the restart', async () => {
    await midFlow('kafka-outage', { first: 120, second: 60, third: 40 }, async (submitDuringOutage) => {
      await broker.stop();
      const stoppedAt = Date.now();
      // The partner API keeps acknowledging: a request is stored with its outbox, Kafka is not needed for a 202.
      const during = await submitDuringOutage();
      expect(during).toHaveLength(40);
      await faultTimer(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      // Every process is still up and answering after 15 s without a broker.
      const liveDuringOutage = await allLive(stack.all);
      expect(liveDuringOutage).toBe(true);
      const restartAt = Date.now();
      await broker.start();
      return {
        stoppedForSeconds: Number(((restartAt - stoppedAt) / 1000).toFixed(1)),
        brokerRestartToReadySeconds: secondsSince(restartAt),
        brokerUnreachableSeconds: secondsSince(stoppedAt),
        acknowledgedDuringOutage: during.length,
        allLiveDuringOutage: liveDuringOutage,
      };
    });
    // Readiness (Kafka included) is back everywhere once the broker is.
    await waitFor(async () => (await Promise.all(stack.all.map((a) => a.readiness()))).every((r) => r?.status === 200), {
      timeoutMs: 60_000,
      what: 'every app ready again',
    });
  }, 600_000);

  it("rides out the apps' database connections being cut again and again for 6 s (Postgres itself keeps running)", async () => {
    await midFlow('database-cut', { first: 120, second: 60, third: 30 }, async (submitDuringCut) => {
      const before = await connectionsOf(stack.platform);
      const cutStarted = Date.now();
      // Submissions during the cut may be refused (503/500: nothing stored, nothing acknowledged); the ones
      // acknowledged must all make it.
      const [cut, during] = await Promise.all([cutDatabaseConnections(stack.platform, 6_000, 200), submitDuringCut()]);
      expect(cut.terminated).toBeGreaterThan(0);
      const liveAfterCut = await allLive(stack.all);
      expect(liveAfterCut).toBe(true);
      return {
        connectionsBeforeCut: before,
        cutSeconds: secondsSince(cutStarted),
        cutRounds: cut.rounds,
        backendsTerminated: cut.terminated,
        acknowledgedDuringCut: during.length,
        allLiveAfterCut: liveAfterCut,
      };
    });
  }, 600_000);
});
