import { randomUUID } from 'node:crypto';
import {
  CORRELATION_STATUSES,
  CorrelationStatusChanged,
  Topic,
  portalNotificationsOf,
  type CorrelationSnapshot,
  type CorrelationStatus,
  type DeadLetterPayload,
  type EventEnvelope,
  type TopicMap,
  type TopicName,
} from '@labsync/contracts';
import { TopicNaming, createIdempotentProducer, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { startService, type RunningService } from '@labsync/service-runtime';
import { DEV_OPERATOR_HEADERS, TEST_KAFKA_BROKERS, dropSchemas, httpJson, namedUuids, serviceTestEnv, sql, uniqueSchema, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import type { Consumer, Producer } from 'kafkajs';
import { definition, withTrackerDefaults } from '../src/correlation-tracker.definition';
import { LifecycleEvents, allProcessed } from './lifecycle-events';

/**
 * The tracker in-process against the real broker and Postgres: lifecycle events go in on the (prefixed)
 * topics, from our own producer, the way lab-adapter and portal-adapter publish them; we read
 * labsync.correlation.status.v1 like the portal-adapter does, and ask the operators' API.
 */
describe('correlation-tracker (real Kafka, real Postgres)', () => {
  const schema = uniqueSchema('tracker');
  const naming = new TopicNaming(uniqueTopicPrefix('tracker'));
  const logger = createLogger('tracker-int', 'warn');
  const kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'tracker-int', topicPrefix: '' }, logger);
  // Correlation ids are UUIDs (what the portal-adapter issues, and all the operator API accepts): one per name and run.
  const id = namedUuids();
  const run = randomUUID().slice(0, 8);
  let service: RunningService;
  let producer: Producer;
  let reader: Consumer;
  const snapshots = new Map<string, CorrelationSnapshot[]>();
  const deadLetters: DeadLetterPayload[] = [];
  let minute = 0;
  const now = () => new Date(Date.UTC(2026, 10, 20, 8, 0) + 60000 * minute++).toISOString();

  const events = new LifecycleEvents(() => producer, naming, 'tracker-int', now);
  const envelopeFor = events.envelopeFor.bind(events);
  const send = events.send.bind(events);
  const publish = events.publish.bind(events);
  const submitted = (correlationId: string) => events.submittedPayload(correlationId);
  const labStatus = events.labStatus.bind(events);
  const result = events.result.bind(events);
  const accepted = events.accepted.bind(events);
  const dispatched = events.dispatched.bind(events);

  /** Shuffles whole correlations, keeping each correlation's own events in their order (one key, one partition). */
  const shuffledByCorrelation = (envelopes: EventEnvelope[]) => {
    const order = [...new Set(envelopes.map((e) => e.correlationId))].map((c) => ({ c, r: Math.random() })).sort((a, b) => a.r - b.r);
    return order.flatMap(({ c }) => envelopes.filter((e) => e.correlationId === c));
  };
  const latest = (correlationId: string) => snapshots.get(correlationId)?.at(-1);
  const snapshotWhere = (correlationId: string, predicate: (s: CorrelationSnapshot) => boolean, what: string) =>
    waitFor(() => {
      const snapshot = latest(correlationId);
      return snapshot && predicate(snapshot) ? snapshot : undefined;
    }, { what: `${correlationId}: ${what} (latest: ${JSON.stringify(latest(correlationId)?.status ?? null)})` });
  const processed = (...envelopes: EventEnvelope[]) => allProcessed(schema, envelopes);

  /** What the portal-adapter does once the partner's portal answered 2xx for each notification. */
  const acknowledgeAll = async (correlationId: string, snapshot: CorrelationSnapshot) => {
    const notifications = portalNotificationsOf(snapshot).reverse(); // acknowledgement order does not matter
    const envelopes = notifications.map((n) =>
      envelopeFor(Topic.portalDeliverySucceeded, { correlationId, seq: n.seq, notificationId: n.notificationId, deliveredAt: now(), attempts: 1 }, correlationId),
    );
    await send(Topic.portalDeliverySucceeded, ...envelopes, envelopes[0]!); // one delivered twice
    return notifications;
  };

  beforeAll(async () => {
    service = await startService(
      definition,
      withTrackerDefaults(serviceTestEnv({ schema, topicPrefix: naming.physical('') })),
    );
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    reader = kafka.consumer({ groupId: naming.group('tracker-int-reader'), maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topics: [naming.physical(Topic.correlationStatus), naming.physical(Topic.deadLetter)], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        const envelope = JSON.parse(message.value!.toString('utf8')) as EventEnvelope;
        if (topic === naming.physical(Topic.deadLetter)) {
          deadLetters.push(envelope.payload as DeadLetterPayload);
          return;
        }
        // What the tracker publishes must satisfy the contract, and be keyed by correlation id.
        const snapshot = CorrelationStatusChanged.payload.parse(envelope.payload);
        expect(message.key?.toString()).toBe(snapshot.correlationId);
        snapshots.set(snapshot.correlationId, [...(snapshots.get(snapshot.correlationId) ?? []), snapshot]);
      },
    });
  });

  afterAll(async () => {
    await reader?.disconnect();
    await producer?.disconnect();
    await service?.close();
    await dropSchemas([schema]);
  });

  it('follows a request in order through every status to DELIVERED, ignoring duplicates and late events', async () => {
    const c = id('in-order');
    await publish(Topic.requestSubmitted, submitted(c));
    await snapshotWhere(c, (s) => s.status === 'RECEIVED', 'RECEIVED');
    await dispatched(c);
    await snapshotWhere(c, (s) => s.status === 'DISPATCHED', 'DISPATCHED');
    const acceptance = envelopeFor(Topic.labOrderEvents, { kind: 'accepted', correlationId: c, labOrderId: `LAB-${c}`, acceptedAt: now() }, c);
    await send(Topic.labOrderEvents, acceptance, acceptance); // the same record delivered twice
    await snapshotWhere(c, (s) => s.status === 'ACCEPTED_BY_LAB', 'ACCEPTED_BY_LAB');
    await labStatus(c, 'RECEIVED'); // the lab has the order: ACCEPTED_BY_LAB already, nothing changes
    await labStatus(c, 'IN_PROGRESS');
    await snapshotWhere(c, (s) => s.status === 'IN_PROGRESS', 'IN_PROGRESS');
    await result(c, 'PH', 'preliminary', 7.1);
    await result(c, 'PH', 'final', 7.2);
    await result(c, 'LEAD', 'final', 3);
    // Results and statuses travel on different topics: let the results land before the lab completes.
    await snapshotWhere(c, (s) => s.results.length === 3, 'three results');
    await labStatus(c, 'IN_PROGRESS'); // a late repeat, with a new event id
    await labStatus(c, 'COMPLETED');
    const completed = await snapshotWhere(c, (s) => s.status === 'COMPLETED', 'COMPLETED');

    expect(completed).toMatchObject({ partnerId: 'acme', portalRequestId: `PR-${c}`, labOrderId: `LAB-${c}` });
    expect(completed.timeline.map((t) => [t.seq, t.status, t.source])).toEqual([
      [1, 'RECEIVED', 'portal'],
      [2, 'DISPATCHED', 'labsync'],
      [3, 'ACCEPTED_BY_LAB', 'lab'],
      [4, 'IN_PROGRESS', 'lab'],
      [5, 'RESULTS_PARTIAL', 'lab'],
      [9, 'COMPLETED', 'lab'],
    ]);
    expect(completed.results.map((r) => [r.seq, r.testCode, r.resultStatus, r.analytes[0]!.value])).toEqual([
      [6, 'PH', 'preliminary', 7.1],
      [7, 'PH', 'final', 7.2],
      [8, 'LEAD', 'final', 3],
    ]);
    // One snapshot per change: RECEIVED, DISPATCHED, ACCEPTED, IN_PROGRESS, 3 results (the first also
    // moving to RESULTS_PARTIAL), COMPLETED — the duplicates and late repeats published nothing.
    expect(completed.version).toBe(8);
    expect(snapshots.get(c)!.map((s) => s.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const notifications = await acknowledgeAll(c, completed);
    expect(notifications.map((n) => n.seq).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const delivered = await snapshotWhere(c, (s) => s.status === 'DELIVERED', 'DELIVERED');
    expect(delivered.version).toBe(9);
    expect(delivered.timeline.at(-1)).toMatchObject({ seq: 10, status: 'DELIVERED', source: 'labsync' });

    const view = await httpJson('GET', `${service.url}/v1/correlations/${c}`, undefined, DEV_OPERATOR_HEADERS);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      correlationId: c,
      partnerId: 'acme',
      status: 'DELIVERED',
      version: 9,
      published: true,
      notifications: { total: 8, delivered: 8, pendingSeqs: [] },
    });
    expect(view.body.timeline).toEqual(delivered.timeline);
    expect(view.body.results).toEqual(delivered.results);
  });

  it('keeps events that overtook request.submitted without publishing, then converges once it arrives', async () => {
    const c = id('early');
    const early = [
      await accepted(c),
      await result(c, 'PH', 'final', 6.9),
      await result(c, 'PH', 'preliminary', 6.5), // late preliminary after the final: ignored
      await labStatus(c, 'COMPLETED'),
      await labStatus(c, 'IN_PROGRESS'), // late: COMPLETED already
      await dispatched(c), // late, on another topic
    ];
    await waitFor(() => processed(...early), { what: 'the early events to be applied' });
    const held = await httpJson('GET', `${service.url}/v1/correlations/${c}`, undefined, DEV_OPERATOR_HEADERS);
    expect(held.body).toMatchObject({ status: 'COMPLETED', partnerId: null, portalRequestId: null, labOrderId: `LAB-${c}`, published: false });
    expect(held.body.results.map((r: { resultStatus: string }) => r.resultStatus)).toEqual(['final']);
    // Nothing published without partner and portal request (the contract requires them), nothing queued.
    expect(snapshots.get(c)).toBeUndefined();
    expect(await sql(`SELECT 1 FROM "${schema}".outbox WHERE message_key = $1`, [c])).toHaveLength(0);

    await publish(Topic.requestSubmitted, submitted(c));
    const first = await snapshotWhere(c, (s) => s.status === 'COMPLETED', 'the first snapshot');
    expect(snapshots.get(c)).toHaveLength(1);
    expect(first).toMatchObject({ partnerId: 'acme', portalRequestId: `PR-${c}`, labOrderId: `LAB-${c}` });
    expect(first.results.map((r) => [r.testCode, r.resultStatus])).toEqual([['PH', 'final']]);
    expect(first.timeline.map((t) => t.status)).not.toContain('RECEIVED'); // it ranked below what was known

    await acknowledgeAll(c, first);
    const delivered = await snapshotWhere(c, (s) => s.status === 'DELIVERED', 'DELIVERED');

    // A correction after DELIVERED is recorded (with a seq for the portal) and reopens delivery: COMPLETED,
    // with a timeline entry saying why, until the portal acknowledged it; then DELIVERED again.
    await result(c, 'PH', 'corrected', 7.0);
    const corrected = await snapshotWhere(c, (s) => s.results.length === 2, 'the corrected result');
    expect(corrected.status).toBe('COMPLETED');
    expect(corrected.version).toBe(delivered.version + 1);
    const reopenedSeq = delivered.timeline.at(-1)!.seq + 1;
    expect(corrected.timeline.at(-1)).toMatchObject({ seq: reopenedSeq, status: 'COMPLETED', source: 'lab', detail: expect.stringContaining('reopened') });
    expect(corrected.results[1]).toMatchObject({ resultStatus: 'corrected', seq: reopenedSeq + 1 });
    expect(portalNotificationsOf(corrected).map((n) => n.seq)).toEqual(expect.arrayContaining([reopenedSeq, corrected.results[1]!.seq]));
    await acknowledgeAll(c, corrected);
    const again = await snapshotWhere(c, (s) => s.version > corrected.version && s.status === 'DELIVERED', 'DELIVERED again');
    expect(again.timeline.map((t) => t.status).slice(-3)).toEqual(['DELIVERED', 'COMPLETED', 'DELIVERED']);
  });

  it('ends in REJECTED_BY_LAB with the reasons, whatever arrives afterwards', async () => {
    const c = id('rejected');
    await publish(Topic.requestSubmitted, submitted(c));
    await dispatched(c);
    await publish(Topic.labOrderEvents, { kind: 'rejected', correlationId: c, reasons: ['unknown test code "XYZ"', 'sample volume too low'], rejectedAt: now() });
    const rejected = await snapshotWhere(c, (s) => s.status === 'REJECTED_BY_LAB', 'REJECTED_BY_LAB');
    expect(rejected.timeline.at(-1)).toMatchObject({ status: 'REJECTED_BY_LAB', source: 'lab', detail: 'unknown test code "XYZ"; sample volume too low' });

    const late = [await accepted(c), await labStatus(c, 'IN_PROGRESS')];
    await waitFor(() => processed(...late), { what: 'the late events to be applied' });
    const view = await httpJson('GET', `${service.url}/v1/correlations/${c}`, undefined, DEV_OPERATOR_HEADERS);
    expect(view.body).toMatchObject({ status: 'REJECTED_BY_LAB', labOrderId: null, version: rejected.version });
    expect(latest(c)!.version).toBe(rejected.version);
  });

  it('dead-letters a lifecycle event with an invalid payload, and the events behind it still flow', async () => {
    const c = id('poison');
    await publish(Topic.requestSubmitted, submitted(c));
    await accepted(c);
    const poison = envelopeFor(
      Topic.labOrderEvents,
      { kind: 'status-changed', correlationId: c, labOrderId: `LAB-${c}`, labEventId: randomUUID(), status: 'EXPLODED', occurredAt: now() } as unknown as TopicMap[typeof Topic.labOrderEvents],
      c,
    );
    await send(Topic.labOrderEvents, poison);
    await labStatus(c, 'IN_PROGRESS'); // same key, same partition: right behind the poison
    await snapshotWhere(c, (s) => s.status === 'IN_PROGRESS', 'IN_PROGRESS behind the poison');
    const deadLetter = await waitFor(() => deadLetters.find((d) => d.originalValue.includes(poison.eventId)), { what: 'the dead letter' });
    expect(deadLetter).toMatchObject({ originalTopic: Topic.labOrderEvents, originalKey: c, consumerGroup: naming.group('correlation-tracker') });
    expect(deadLetter.reason).toMatch(/invalid lab\.order-event payload: status/);
  });

  it('converges for a burst of correlations whose events all arrive at once, in any order across topics', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => id(`burst-${i}`));
    const byTopic = new Map<TopicName, EventEnvelope[]>();
    const add = <T extends TopicName>(topic: T, payload: TopicMap[T] & { correlationId: string }) =>
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), envelopeFor(topic, payload, payload.correlationId)]);
    for (const c of ids) {
      add(Topic.labOrderEvents, { kind: 'status-changed', correlationId: c, labOrderId: `LAB-${c}`, labEventId: randomUUID(), status: 'IN_PROGRESS', occurredAt: now() });
      add(Topic.labOrderEvents, { kind: 'status-changed', correlationId: c, labOrderId: `LAB-${c}`, labEventId: randomUUID(), status: 'COMPLETED', occurredAt: now() });
      for (const testCode of ['PH', 'LEAD']) {
        add(Topic.labOrderEvents, {
          kind: 'result-reported',
          correlationId: c,
          labOrderId: `LAB-${c}`,
          labEventId: randomUUID(),
          result: { sampleId: 'S-1', testCode, resultStatus: 'final', analytes: [{ name: testCode, value: 1, unit: 'u' }], reportedAt: now() },
        });
      }
      add(Topic.labOrderEvents, { kind: 'accepted', correlationId: c, labOrderId: `LAB-${c}`, acceptedAt: now() });
      add(Topic.labOrderEvents, { kind: 'dispatched', correlationId: c, dispatchedAt: now() });
      add(Topic.requestSubmitted, submitted(c));
    }
    // Every topic at once: the tracker consumes their partitions concurrently, racing to create each row.
    // Each topic in its own random order of correlations, so their lock orders differ too.
    await Promise.all([...byTopic].map(([topic, envelopes]) => send(topic, ...shuffledByCorrelation(envelopes))));
    await waitFor(
      () => ids.every((c) => { const s = latest(c); return s?.status === 'COMPLETED' && s.results.length === 2 && s.labOrderId === `LAB-${c}`; }),
      { timeoutMs: 45000, what: 'every burst correlation to be COMPLETED with both results' },
    );
    const rows = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".correlations WHERE correlation_id = ANY($1)`, [ids]);
    expect(Number(rows[0]!.n)).toBe(ids.length);
  });

  it('answers operators: lists by status, and refuses a bad status or limit with a problem', async () => {
    await waitFor(() => latest(id('in-order'))?.status === 'DELIVERED', { what: 'the first scenario' });
    const delivered = await httpJson('GET', `${service.url}/v1/correlations?status=DELIVERED&limit=10`, undefined, DEV_OPERATOR_HEADERS);
    expect(delivered.status).toBe(200);
    expect(delivered.body.items.map((i: { correlationId: string }) => i.correlationId)).toEqual(expect.arrayContaining([id('in-order'), id('early')]));
    expect(delivered.body.items.every((i: { status: string }) => i.status === 'DELIVERED')).toBe(true);

    const limited = await httpJson('GET', `${service.url}/v1/correlations?limit=1`, undefined, DEV_OPERATOR_HEADERS);
    expect(limited.body.items).toHaveLength(1);

    for (const query of ['status=FINISHED', 'limit=0', 'limit=501', 'limit=ten', 'colour=blue']) {
      const bad = await httpJson('GET', `${service.url}/v1/correlations?${query}`, undefined, DEV_OPERATOR_HEADERS);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(bad.body.errors.length).toBeGreaterThan(0);
    }
    const unknown = await httpJson('GET', `${service.url}/v1/correlations/never-seen-${run}`, undefined, DEV_OPERATOR_HEADERS);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/);
    // An id decoding to text Postgres cannot compare (U+0000) names nothing: 404, not a database error.
    const nul = await httpJson('GET', `${service.url}/v1/correlations/c-%00-${run}`, undefined, DEV_OPERATOR_HEADERS);
    expect(nul.status).toBe(404);
    expect(nul.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('published versions strictly increase and statuses never go backwards, for every correlation', () => {
    const chain: CorrelationStatus[] = ['RECEIVED', 'DISPATCHED', 'ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'COMPLETED', 'DELIVERED'];
    const terminal: CorrelationStatus[] = ['REJECTED_BY_LAB', 'CANCELLED', 'FAILED'];
    expect(snapshots.size).toBe(4 + 30);
    for (const [correlationId, history] of snapshots) {
      for (let i = 1; i < history.length; i++) {
        const [before, after] = [history[i - 1]!, history[i]!];
        expect({ correlationId, version: after.version > before.version }).toEqual({ correlationId, version: true });
        if (before.status === 'DELIVERED' && after.status === 'COMPLETED') {
          // The one move down the ranks: a result newly recorded after delivery reopens it.
          const reopen = after.results.length === before.results.length + 1 && after.timeline.some((t) => t.seq > before.timeline.at(-1)!.seq && t.status === 'COMPLETED' && t.detail?.includes('reopened'));
          expect({ correlationId, reopen }).toEqual({ correlationId, reopen: true });
        } else if (after.status !== before.status) {
          const forward = !terminal.includes(before.status) && before.status !== 'DELIVERED' && (terminal.includes(after.status) || chain.indexOf(after.status) > chain.indexOf(before.status));
          expect({ correlationId, from: before.status, to: after.status, forward }).toEqual({ correlationId, from: before.status, to: after.status, forward: true });
        }
      }
    }
    expect(CORRELATION_STATUSES).toEqual(expect.arrayContaining([...chain, ...terminal]));
    // The only dead letter is the poison: no valid event was lost to lock contention or anything else.
    expect(deadLetters.map((d) => d.originalKey)).toEqual([id('poison')]);
  });
});
