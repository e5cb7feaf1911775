import { randomUUID } from 'node:crypto';
import { HEADERS, LabOrderEvent, Topic, createEnvelope, type DeadLetterPayload, type EventEnvelope } from '@labsync/contracts';
import { TEST_KAFKA_BROKERS, waitFor } from '@labsync/testing';
import { Kafka, Partitioners, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { FlowDriver, LAB_WORK_SEQUENCE, type AcknowledgedRequest } from './flow-checks';
import { SMALL_POOLS, faultTimer, logFigures, metricSum, partnerFaultSuite, secondsSince } from './partner-faults';
import { PlatformStack } from './platform-stack';

/**
 * Fault tests on the lab's side (issue 3), with the five apps as real processes on the shared broker and
 * database: the lab's API down then flaky, the lab's webhooks duplicated and reordered, and a poison message
 * on the lab order topic. Each ends with the invariants of FlowDriver.violations. One stack for the file:
 * each test works on its own requests, and the faults are cleared after each test.
 */
describe('partner faults on the lab side (five processes, real Kafka and Postgres)', () => {
  const stack = new PlatformStack(20, {
    // Retries capped at 2 s (default 30 s) so the test measures the platform's recovery, not the backoff cap.
    labAdapter: { ...SMALL_POOLS.platform, LAB_RETRY_BASE_DELAY_MS: '200', LAB_RETRY_MAX_DELAY_MS: '2000' },
    // No callback is given up on here; the portal is healthy throughout.
    portalAdapter: { ...SMALL_POOLS.platform, CALLBACK_MAX_ATTEMPTS: '1000' },
    tracker: SMALL_POOLS.platform,
    labSim: SMALL_POOLS.standIn,
    portalSim: SMALL_POOLS.standIn,
  });
  const flow = new FlowDriver(stack);
  const faults = partnerFaultSuite(stack);
  const kafka = new Kafka({ clientId: 'e2e-partner-faults-lab', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });

  const labOrdersOf = async (requests: AcknowledgedRequest[]) => {
    const ids = new Set(requests.map((r) => r.correlationId));
    return (await flow.labOrders()).filter((o) => ids.has(o.externalRef));
  };

  it('lab-sim down for 20 s, then 30% errors and 500 ms latency, while 100 requests flow: one lab order each, everything back to the portal', async () => {
    const lab = stack.labSim.url;
    const adapter = stack.labAdapter.url;
    const before = {
      down: await metricSum(lab, 'lab_sim_api_faults_injected_total', { fault: 'down' }),
      error: await metricSum(lab, 'lab_sim_api_faults_injected_total', { fault: 'error' }),
      retried: await metricSum(adapter, 'labsync_lab_dispatch_attempts_total', { outcome: 'lab_error' }),
    };

    await faults.lab({ down: true });
    const outageStarted = Date.now();
    const first = await flow.submitMany(60, 'LABDOWN');
    expect(first).toHaveLength(60);
    // The platform holds them while the lab is away: dispatched, retried, none in the lab. (The outage lasts
    // 20 s, or longer if a loaded machine needs longer to get this far.)
    await flow.waitForStatus(first, 'DISPATCHED', 90_000);
    await waitFor(async () => (await metricSum(adapter, 'labsync_lab_dispatch_attempts_total', { outcome: 'lab_error' })) - before.retried >= first.length, {
      timeoutMs: 90_000,
      what: 'the lab-adapter calling the down lab for every request',
    });
    await faultTimer(Math.max(0, 20_000 - (Date.now() - outageStarted)));
    expect(await labOrdersOf(first)).toEqual([]);
    const refusedWhileDown = (await metricSum(lab, 'lab_sim_api_faults_injected_total', { fault: 'down' })) - before.down;
    expect(refusedWhileDown).toBeGreaterThanOrEqual(first.length);

    // The lab comes back unwell: 30% of its answers are 503, every answer takes 500 ms.
    await faults.lab({ down: false, errorRate: 0.3, latencyMs: 500 });
    const flakyStarted = Date.now();
    const outageSeconds = Number(((flakyStarted - outageStarted) / 1000).toFixed(1));
    const second = await flow.submitMany(40, 'LABFLAKY');
    expect(second).toHaveLength(40);
    const requests = [...first, ...second];
    const orders = await flow.waitForLabOrders(requests, 120_000);
    const allInLabSeconds = secondsSince(flakyStarted);
    await flow.waitForStatus(requests, 'ACCEPTED_BY_LAB', 120_000);
    const allAcceptedSeconds = secondsSince(flakyStarted);
    const injectedErrors = (await metricSum(lab, 'lab_sim_api_faults_injected_total', { fault: 'error' })) - before.error;
    expect(injectedErrors).toBeGreaterThan(0);

    // Healthy again; the lab works every order.
    await faults.reset();
    const workStarted = Date.now();
    await flow.labWork(orders);
    await flow.waitForStatus(requests, 'DELIVERED', 180_000);
    const deliveredSeconds = secondsSince(workStarted);

    expect(await flow.violations(requests)).toEqual([]);
    const posts = await labOrdersOf(requests);
    logFigures('lab down 20 s then flaky', {
      requests: requests.length,
      outageSeconds,
      refusedWhileDown,
      injectedErrors,
      labAnswersRetried: (await metricSum(adapter, 'labsync_lab_dispatch_attempts_total', { outcome: 'lab_error' })) - before.retried,
      fromLabRecoveryToAllInLabSeconds: allInLabSeconds,
      fromLabRecoveryToAllAcceptedSeconds: allAcceptedSeconds,
      labWorkToAllDeliveredSeconds: deliveredSeconds,
      ordersPostedMoreThanOnce: posts.filter((o) => o.postCount > 1).length,
    });
  }, 400_000);

  it('duplicated and reordered lab webhooks: nothing changes twice, statuses never go backwards, every result once and in lab order', async () => {
    const requests = await flow.submitMany(30, 'WEBHOOKS');
    expect(requests).toHaveLength(30);
    const orders = await flow.waitForLabOrders(requests);
    await flow.waitForStatus(requests, 'ACCEPTED_BY_LAB');

    const lab = stack.labSim.url;
    const before = {
      delivered: await metricSum(lab, 'lab_sim_webhook_attempts_total', { outcome: 'delivered' }),
      duplicated: await metricSum(lab, 'lab_sim_webhook_attempts_total', { outcome: 'duplicate' }),
      seenTwice: await metricSum(stack.labAdapter.url, 'labsync_lab_webhooks_total', { outcome: 'duplicate' }),
    };
    await faults.lab({ duplicateWebhooks: true, reorderWebhooks: true });
    const started = Date.now();
    await flow.labWork(orders);
    // Settled: lab-sim delivered all five webhooks of every order, each twice (the duplicate goes right after).
    const webhooks = orders.length * 5;
    await waitFor(
      async () =>
        (await metricSum(lab, 'lab_sim_webhook_attempts_total', { outcome: 'delivered' })) - before.delivered >= webhooks &&
        (await metricSum(lab, 'lab_sim_webhook_attempts_total', { outcome: 'duplicate' })) - before.duplicated >= webhooks,
      { timeoutMs: 120_000, intervalMs: 500, what: `${webhooks} webhooks delivered twice each` },
    );
    await flow.waitForStatus(requests, 'DELIVERED', 120_000);
    // A result that arrives after COMPLETED is still delivered (the tracker records it whatever the status):
    // wait for each test's final result at the portal before judging.
    const ids = new Set(requests.map((r) => r.correlationId));
    await waitFor(
      async () => {
        const finals = (await flow.received()).filter((e) => ids.has(e.correlationId) && e.type === 'result.reported' && e.body.data.resultStatus === 'final');
        return finals.length >= requests.length * 2;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the final results of every request at the portal' },
    );
    const settledSeconds = secondsSince(started);

    // The lab-adapter saw every duplicate and let none of them through.
    const seenTwice = (await metricSum(stack.labAdapter.url, 'labsync_lab_webhooks_total', { outcome: 'duplicate' })) - before.seenTwice;
    expect(seenTwice).toBeGreaterThanOrEqual(webhooks);
    expect(await flow.violations(requests, LAB_WORK_SEQUENCE, { ordering: 'per-test' })).toEqual([]);

    // The reorder fault did reorder: some portals saw a sequence other than the lab's (e.g. a result before
    // IN_PROGRESS, which the tracker then skips), otherwise the per-test check above proved nothing extra.
    const events = (await flow.received()).filter((e) => ids.has(e.correlationId));
    const sequences = new Map<string, string[]>();
    for (const e of events) {
      const step = e.type === 'status.changed' ? e.body.data.status! : `${e.body.data.testCode}:${e.body.data.resultStatus}`;
      sequences.set(e.correlationId, [...(sequences.get(e.correlationId) ?? []), step]);
    }
    const reordered = [...sequences.values()].filter((s) => JSON.stringify(s) !== JSON.stringify(LAB_WORK_SEQUENCE));
    expect(reordered.length).toBeGreaterThan(0);
    logFigures('duplicated and reordered webhooks', {
      requests: requests.length,
      webhooksSentTwice: webhooks,
      duplicatesRefusedByLabAdapter: seenTwice,
      portalSequencesDifferentFromLabOrder: reordered.length,
      withoutInProgress: reordered.filter((s) => !s.includes('IN_PROGRESS')).length,
      preliminaryDroppedAfterFinal: reordered.filter((s) => !s.includes('PH:preliminary')).length,
      resultAfterCompleted: reordered.filter((s) => s.indexOf('COMPLETED') < s.length - 1).length,
      labWorkToSettledSeconds: settledSeconds,
    });
  }, 240_000);

  it('a poison message on the lab order topic lands in the dead-letter topic with its reason, and the messages behind it keep flowing', async () => {
    const requests = await flow.submitMany(20, 'POISON');
    expect(requests).toHaveLength(20);
    const orders = await flow.waitForLabOrders(requests);
    await flow.waitForStatus(requests, 'ACCEPTED_BY_LAB');
    const target = requests[0]!;
    const targetOrder = orders.find((o) => o.externalRef === target.correlationId)!;

    const orderTopic = `${stack.prefix}${Topic.labOrderEvents}`;
    const deadLetterTopic = `${stack.prefix}${Topic.deadLetter}`;
    const seen: { topic: string; partition: number; message: KafkaMessage }[] = [];
    const reader: Consumer = kafka.consumer({ groupId: `${stack.prefix}e2e-poison-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await Promise.all([reader.connect(), producer.connect()]);
    try {
      await reader.subscribe({ topics: [orderTopic, deadLetterTopic], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ topic, partition, message }) => {
          seen.push({ topic, partition, message });
        },
      });

      // A valid labsync envelope keyed by a real correlation id, whose payload fails validation (a lab
      // status that does not exist), exactly what a broken non-Node producer could publish.
      const poison = createEnvelope({
        type: LabOrderEvent.type,
        schemaVersion: LabOrderEvent.version,
        correlationId: target.correlationId,
        sourceSystem: 'e2e-poison',
        payload: { kind: 'status-changed', correlationId: target.correlationId, labOrderId: targetOrder.labOrderId, labEventId: randomUUID(), status: 'ON_FIRE', occurredAt: new Date().toISOString() },
      });
      const [sent] = await producer.send({
        topic: orderTopic,
        acks: -1,
        messages: [
          {
            key: target.correlationId,
            value: JSON.stringify(poison),
            headers: { [HEADERS.eventId]: poison.eventId, [HEADERS.eventType]: poison.type, [HEADERS.correlationId]: target.correlationId, [HEADERS.sourceSystem]: poison.sourceSystem },
          },
        ],
      });
      const poisonPartition = sent!.partition;
      const poisonOffset = BigInt(sent!.baseOffset!);
      const published = Date.now();

      // Valid traffic behind it, on the same key: the lab works every order, the poisoned one included.
      await flow.labWork(orders);
      await flow.waitForStatus(requests, 'DELIVERED', 120_000);
      const deliveredSeconds = secondsSince(published);

      const deadLetters = await waitFor(
        () => {
          const found = seen
            .filter((s) => s.topic === deadLetterTopic)
            .map((s) => JSON.parse(s.message.value!.toString('utf8')) as EventEnvelope<DeadLetterPayload>)
            .filter((d) => d.payload.originalTopic === Topic.labOrderEvents && d.payload.originalKey === target.correlationId);
          return found.length > 0 && found;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'the poison message in the dead-letter topic' },
      );
      expect(deadLetters).toHaveLength(new Set(deadLetters.map((d) => d.payload.consumerGroup)).size);
      for (const { payload, correlationId } of deadLetters) {
        expect(correlationId).toBe(target.correlationId);
        expect(payload).toMatchObject({ originalPartition: poisonPartition, originalOffset: String(poisonOffset), originalValue: JSON.stringify(poison), attempts: 0 });
        expect(payload.reason).toMatch(/^invalid lab\.order-event payload: status: /);
        expect(payload.originalHeaders[HEADERS.eventId]).toBe(poison.eventId);
      }
      expect(deadLetters.map((d) => d.payload.consumerGroup)).toContain(`${stack.prefix}correlation-tracker`);

      // The lab's events for the poisoned correlation went to the same partition, after the poison.
      const behind = seen.filter((s) => s.topic === orderTopic && s.message.key?.toString() === target.correlationId && BigInt(s.message.offset) > poisonOffset);
      expect(behind.length).toBeGreaterThanOrEqual(5);
      expect(new Set(behind.map((s) => s.partition))).toEqual(new Set([poisonPartition]));

      expect(await flow.violations(requests)).toEqual([]);
      const view = (await flow.statusOf(target.partner, target.correlationId)).body;
      expect(view.timeline.map((t: { status: string }) => t.status)).toEqual(['RECEIVED', 'DISPATCHED', 'ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'COMPLETED', 'DELIVERED']);
      logFigures('poison message', {
        requests: requests.length,
        poisonPartition,
        poisonOffset: String(poisonOffset),
        deadLetteredBy: deadLetters.map((d) => d.payload.consumerGroup.slice(stack.prefix.length)),
        reason: deadLetters[0]!.payload.reason,
        eventsBehindPoisonOnItsKey: behind.length,
        poisonToAllDeliveredSeconds: deliveredSeconds,
      });
    } finally {
      await Promise.all([reader.disconnect(), producer.disconnect()]);
    }
  }, 240_000);
});
