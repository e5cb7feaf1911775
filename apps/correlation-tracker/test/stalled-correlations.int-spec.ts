import {
  CorrelationStalled,
  CorrelationStatusChanged,
  Topic,
  type CorrelationSnapshot,
  type CorrelationStalledPayload,
  type EventEnvelope,
} from '@labsync/contracts';
import { TopicNaming, createIdempotentProducer, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { startService, type RunningService } from '@labsync/service-runtime';
import { DEV_OPERATOR_HEADERS, TEST_KAFKA_BROKERS, dropSchemas, httpJson, namedUuids, serviceTestEnv, sql, uniqueSchema, uniqueTopicPrefix, waitFor } from '@labsync/testing';
import type { Consumer, Producer } from 'kafkajs';
import { definition, withTrackerDefaults } from '../src/correlation-tracker.definition';
import { LifecycleEvents, allProcessed } from './lifecycle-events';
import { StalledSweeper } from '../src/stalled/stalled-sweeper';

const ACCEPT_AFTER_MS = 1500;
const RESULTS_AFTER_MS = 2500;

/**
 * Stalled requests with TWO tracker replicas in-process (same schema, same consumer group), small stall
 * limits and a fast sweep; lifecycle events go straight to the (prefixed) topics from our own producer, and
 * we read labsync.correlation.status.v1 and labsync.correlation.alerts.v1 like their consumers would.
 */
describe('correlation-tracker: stalled requests (two replicas, real Kafka, real Postgres)', () => {
  const schema = uniqueSchema('stalls');
  const naming = new TopicNaming(uniqueTopicPrefix('stalls'));
  const logger = createLogger('stalls-int', 'warn');
  const kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'stalls-int', topicPrefix: '' }, logger);
  // Correlation ids are UUIDs (what the portal-adapter issues, and all the operator API accepts): one per name and run.
  const id = namedUuids();
  const replicas: RunningService[] = [];
  let producer: Producer;
  let reader: Consumer;
  const snapshots = new Map<string, CorrelationSnapshot[]>();
  const alerts: { eventId: string; payload: CorrelationStalledPayload }[] = [];

  const env = (): NodeJS.ProcessEnv =>
    withTrackerDefaults(
      serviceTestEnv(
        { schema, topicPrefix: naming.physical(''), logLevel: 'error' },
        {
          DB_POOL_SIZE: '5', // two replicas on a shared test server
          STALL_ACCEPT_AFTER_MS: String(ACCEPT_AFTER_MS),
          STALL_RESULTS_AFTER_MS: String(RESULTS_AFTER_MS),
          STALL_SWEEP_INTERVAL_MS: '100',
          STALL_SWEEP_BATCH_SIZE: '4',
        },
      ),
    );

  const now = () => new Date().toISOString();
  const events = new LifecycleEvents(() => producer, naming, 'stalls-int', now);
  const submitted = (correlationId: string) => events.publish(Topic.requestSubmitted, events.submittedPayload(correlationId));
  const dispatched = events.dispatched.bind(events);
  const accepted = events.accepted.bind(events);
  const labStatus = events.labStatus.bind(events);
  const result = (correlationId: string, testCode: string, resultStatus: 'preliminary' | 'final') => events.result(correlationId, testCode, resultStatus);

  const latest = (correlationId: string) => snapshots.get(correlationId)?.at(-1);
  const snapshotWhere = (correlationId: string, predicate: (s: CorrelationSnapshot) => boolean, what: string) =>
    waitFor(() => snapshots.get(correlationId)?.find(predicate), { what: `${correlationId}: ${what} (latest: ${latest(correlationId)?.status ?? null})` });
  const statusesOf = (snapshot: CorrelationSnapshot) => snapshot.timeline.map((t) => t.status);
  /** Alerts for one correlation, one per event id (the relay is at least once; consumers dedupe by event id). */
  const alertsFor = (correlationId: string) => [...new Map(alerts.filter((a) => a.payload.correlationId === correlationId).map((a) => [a.eventId, a.payload])).values()];
  const processed = (...envelopes: EventEnvelope[]) => allProcessed(schema, envelopes);
  /**
   * The first snapshot where a STALLED entry directly follows an entry with `status` (under load, a stall over
   * an earlier status may come first, when the next event took longer than the limit to be applied).
   */
  const stallOver = async (correlationId: string, status: string) => {
    const found = (s: CorrelationSnapshot) => s.timeline.findIndex((t, i) => t.status === 'STALLED' && s.timeline[i - 1]?.status === status);
    const snapshot = await snapshotWhere(correlationId, (s) => found(s) > 0, `STALLED over ${status}`);
    return { snapshot, entry: snapshot.timeline[found(snapshot)]!, index: found(snapshot) };
  };
  /** One alert per STALLED entry of the timeline, naming the status the entry followed, and no other alert. */
  const expectOneAlertPerStall = (correlationId: string, snapshot: CorrelationSnapshot) => {
    const stalls = snapshot.timeline.flatMap((t, i) => (t.status === 'STALLED' ? [{ stalledAt: t.at, stalledIn: snapshot.timeline[i - 1]!.status }] : []));
    const raised = alertsFor(correlationId).map((a) => ({ stalledAt: a.stalledAt, stalledIn: a.stalledIn }));
    expect({ correlationId, raised }).toEqual({ correlationId, raised: stalls });
  };
  const outboxDrained = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox`))[0]!.n) === 0;
  const metric = async (service: RunningService, name: string, label: string) => {
    const response = await fetch(`${service.url}/metrics`);
    const line = (await response.text()).split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    // One after the other: the first migrates the schema, the second finds it migrated.
    replicas.push(await startService(definition, env()));
    replicas.push(await startService(definition, env()));
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    reader = kafka.consumer({ groupId: naming.group('stalls-int-reader'), maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topics: [naming.physical(Topic.correlationStatus), naming.physical(Topic.correlationAlerts)], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        const envelope = JSON.parse(message.value!.toString('utf8')) as EventEnvelope;
        if (topic === naming.physical(Topic.correlationAlerts)) {
          // What the tracker publishes must satisfy the contract, and be keyed by correlation id.
          expect(envelope.type).toBe('correlation.stalled');
          const payload = CorrelationStalled.payload.parse(envelope.payload);
          expect(message.key?.toString()).toBe(payload.correlationId);
          alerts.push({ eventId: envelope.eventId, payload });
          return;
        }
        const snapshot = CorrelationStatusChanged.payload.parse(envelope.payload);
        snapshots.set(snapshot.correlationId, [...(snapshots.get(snapshot.correlationId) ?? []), snapshot]);
      },
    });
  });

  afterAll(async () => {
    await reader?.disconnect();
    await producer?.disconnect();
    for (const replica of replicas) await replica.close();
    await dropSchemas([schema]);
  });

  it('marks a request the lab has not accepted STALLED, alerts, lists it; a late acceptance lifts it; overdue results stall it again', async () => {
    const c = id('late-lab');
    // Publish once, then wait (a probe that published would send new events on every poll).
    // Two topics, so no order between them: the submission is applied first, as the portal-adapter's
    // RECEIVED always precedes the lab-adapter's dispatch in life (the timeline below starts at RECEIVED).
    const submission = await submitted(c);
    await waitFor(() => processed(submission), { timeoutMs: 60000, what: 'the submission to be applied' });
    const events = [submission, await dispatched(c)];
    await waitFor(() => processed(...events), { timeoutMs: 60000, what: 'submission and dispatch to be applied' });
    const { snapshot: stalled, entry } = await stallOver(c, 'DISPATCHED');
    expect(stalled.status).toBe('STALLED');
    expect(entry).toMatchObject({ source: 'labsync', detail: expect.stringMatching(/^lab-acceptance-overdue: the lab has neither accepted nor rejected/) });

    const alert = await waitFor(() => alertsFor(c).find((a) => a.stalledAt === entry.at), { what: 'the acceptance alert' });
    expect(alert).toEqual({
      correlationId: c,
      partnerId: 'acme',
      portalRequestId: `PR-${c}`,
      labOrderId: null,
      reason: 'lab-acceptance-overdue',
      stalledIn: 'DISPATCHED',
      since: expect.any(String),
      stalledAt: entry.at,
      overdueAfterMs: ACCEPT_AFTER_MS,
    });
    expect(Date.parse(alert.stalledAt) - Date.parse(alert.since)).toBeGreaterThanOrEqual(ACCEPT_AFTER_MS);

    // Listed by either replica, with the reason and since when.
    const listed = await httpJson('GET', `${replicas[1]!.url}/v1/correlations?status=STALLED&limit=500`, undefined, DEV_OPERATOR_HEADERS);
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((i: { correlationId: string }) => i.correlationId === c)).toMatchObject({
      status: 'STALLED',
      stall: { reason: 'lab-acceptance-overdue', since: alert.since, stalledAt: alert.stalledAt, stalledIn: 'DISPATCHED' },
    });

    // The lab answers late: the correlation leaves STALLED and proceeds; the timeline shows both.
    await accepted(c);
    const resumed = await snapshotWhere(c, (s) => s.timeline.some((t) => t.status === 'ACCEPTED_BY_LAB'), 'ACCEPTED_BY_LAB after the stall');
    expect(statusesOf(resumed).slice(-3)).toEqual(['DISPATCHED', 'STALLED', 'ACCEPTED_BY_LAB']);
    expect(resumed).toMatchObject({ status: 'ACCEPTED_BY_LAB', labOrderId: `LAB-${c}` });

    // Then no progress for RESULTS_AFTER_MS: stalled again, for the results.
    const { snapshot: again, entry: second } = await stallOver(c, 'ACCEPTED_BY_LAB');
    const secondAlert = await waitFor(() => alertsFor(c).find((a) => a.stalledAt === second.at), { what: 'the results alert' });
    expect(secondAlert).toMatchObject({ reason: 'results-overdue', stalledIn: 'ACCEPTED_BY_LAB', labOrderId: `LAB-${c}`, overdueAfterMs: RESULTS_AFTER_MS });

    // A late repeat of what the lab already said is no news: still STALLED, nothing published.
    const late = await labStatus(c, 'RECEIVED');
    await waitFor(() => processed(late), { what: 'the late lab status to be applied' });
    const view = await httpJson('GET', `${replicas[0]!.url}/v1/correlations/${c}`, undefined, DEV_OPERATOR_HEADERS);
    expect(view.body).toMatchObject({ status: 'STALLED', version: again.version, stall: { reason: 'results-overdue', stalledIn: 'ACCEPTED_BY_LAB' }, stallWatch: null });

    // The lab completes: out of STALLED, and nothing is watched once COMPLETED (a result after it changes nothing).
    await labStatus(c, 'COMPLETED');
    await result(c, 'PH', 'final');
    const completed = await snapshotWhere(c, (s) => s.status === 'COMPLETED' && s.results.length === 1, 'COMPLETED with the result');
    expect(statusesOf(completed)[0]).toBe('RECEIVED');
    expect(statusesOf(completed).slice(-5)).toEqual(['DISPATCHED', 'STALLED', 'ACCEPTED_BY_LAB', 'STALLED', 'COMPLETED']);
    const [row] = await sql<{ watch_reason: string | null; stall_reason: string | null }>(`SELECT watch_reason, stall_reason FROM "${schema}".correlations WHERE correlation_id = $1`, [c]);
    expect(row).toEqual({ watch_reason: null, stall_reason: null });
    await waitFor(outboxDrained, { what: 'the outbox to drain' });
    expectOneAlertPerStall(c, completed);
  });

  it('stalls a request with partial results whose lab goes quiet, and a new result lifts it', async () => {
    const c = id('quiet-lab');
    const events = [await submitted(c), await accepted(c), await labStatus(c, 'IN_PROGRESS'), await result(c, 'PH', 'preliminary')];
    await waitFor(() => processed(...events), { what: 'the events to be applied' });
    const { entry } = await stallOver(c, 'RESULTS_PARTIAL');
    expect(await waitFor(() => alertsFor(c).find((a) => a.stalledAt === entry.at), { what: 'the alert' })).toMatchObject({ reason: 'results-overdue', stalledIn: 'RESULTS_PARTIAL' });

    await result(c, 'LEAD', 'final');
    const resumed = await snapshotWhere(c, (s) => s.results.length === 2, 'the second result');
    const at = resumed.timeline.findIndex((t) => t.at === entry.at && t.status === 'STALLED');
    expect(resumed.timeline.slice(at, at + 2).map((t) => t.status)).toEqual(['STALLED', 'RESULTS_PARTIAL']);
    expect(resumed.results.map((r) => r.testCode)).toEqual(['PH', 'LEAD']);
  });

  it('with two replicas sweeping at once, marks each overdue request once and alerts once', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => id(`burst-${i}`));
    const events = (await Promise.all(ids.map(async (c) => [await submitted(c), await dispatched(c)]))).flat();
    await waitFor(() => processed(...events), { timeoutMs: 45000, what: 'every submission and dispatch to be applied' });
    // Besides their own timers, make both replicas sweep concurrently, again and again, until every request
    // is stalled waiting for the lab's acceptance of its dispatch.
    const sweepers = replicas.map((replica) => replica.app.get(StalledSweeper));
    await waitFor(
      async () => {
        await Promise.all([...sweepers, ...sweepers].map((sweeper) => sweeper.sweepOnce()));
        return ids.every((c) => latest(c)?.status === 'STALLED' && statusesOf(latest(c)!).at(-2) === 'DISPATCHED');
      },
      { timeoutMs: 45000, what: 'every burst request to be STALLED' },
    );
    await waitFor(outboxDrained, { what: 'the outbox to drain' });
    await waitFor(() => ids.every((c) => alertsFor(c).length >= statusesOf(latest(c)!).filter((s) => s === 'STALLED').length), { what: 'the alerts' });

    for (const c of ids) {
      const final = latest(c)!;
      const [row] = await sql<{ version: number }>(`SELECT version FROM "${schema}".correlations WHERE correlation_id = $1`, [c]);
      expect({ c, version: final.version }).toEqual({ c, version: row!.version }); // the last snapshot is the row
      expectOneAlertPerStall(c, final);
      const versions = snapshots.get(c)!.map((s) => s.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b).filter((v, i, all) => all.indexOf(v) === i));
    }
    // What the replicas counted adds up to the alerts published: no stall counted (or alerted) twice.
    const counted = await Promise.all(replicas.map((r) => metric(r, 'labsync_correlation_stalls_total', 'reason="lab-acceptance-overdue"')));
    const published = [...new Set(alerts.filter((a) => a.payload.reason === 'lab-acceptance-overdue').map((a) => a.eventId))].length;
    expect(counted[0]! + counted[1]!).toBe(published);
    for (const replica of replicas) expect(await metric(replica, 'labsync_correlation_stall_sweeps_total', 'outcome="ok"')).toBeGreaterThan(0);
    expect(await metric(replicas[0]!, 'labsync_correlations_stalled', 'reason="lab-acceptance-overdue"')).toBeGreaterThanOrEqual(ids.length);
  });
});
