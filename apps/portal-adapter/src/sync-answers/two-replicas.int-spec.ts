import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CorrelationStatusChanged, Topic, type CorrelationSnapshot } from '@labsync/contracts';
import { TopicNaming, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { startService, type RunningService } from '@labsync/service-runtime';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TestKafkaClients, dropSchemas, httpJson, serviceTestEnv, sql, uniqueSchema, uniqueTopicPrefix, waitFor, publishCorrelationSnapshots } from '@labsync/testing';
import { AssignerProtocol } from 'kafkajs';
import { Client } from 'pg';
import { portalAdapter } from '../portal-adapter.definition';
import { syncAnswerChannel } from './sync-answer-channel';

/**
 * Two portal-adapter replicas in one process, on the same schema, topics and consumer group, behind
 * "one address" (the test alternates between them like a load balancer). The lab's answers are published
 * as correlation snapshots; each lands on whichever replica owns its partition. A partner waiting on one
 * replica must get the answer even when the other replica consumed it.
 */
const PARTNER = { id: 'acme', apiKey: 'acme-two-replicas-key', callbackSecret: 'acme-two-replicas-secret' };
const auth = { authorization: `Bearer ${PARTNER.apiKey}` };
const REQUESTS = 40;

const requestBody = (portalRequestId: string, tests = ['PH']) => ({
  portalRequestId,
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: [{ sampleId: 'S-1', matrix: 'water', collectedAt: '2026-11-20T08:00:00Z', tests }],
});

const at = (minute: number) => new Date(Date.parse('2026-11-20T08:00:00Z') + minute * 60_000).toISOString();

/** The snapshot the correlation-tracker publishes after the lab's answer (version 3: RECEIVED, DISPATCHED, answer). */
function answerSnapshot(correlationId: string, portalRequestId: string, answer: { labOrderId: string } | { reasons: string[] }, version = 3): CorrelationSnapshot {
  const timeline = [
    { seq: 1, at: at(1), status: 'RECEIVED', source: 'portal' },
    { seq: 2, at: at(2), status: 'DISPATCHED', source: 'labsync' },
    'labOrderId' in answer
      ? { seq: 3, at: at(3), status: 'ACCEPTED_BY_LAB', source: 'lab' }
      : { seq: 3, at: at(3), status: 'REJECTED_BY_LAB', source: 'lab', detail: answer.reasons.join('; '), reasons: answer.reasons },
  ].slice(0, version);
  return CorrelationStatusChanged.payload.parse({
    correlationId,
    partnerId: PARTNER.id,
    portalRequestId,
    status: timeline[timeline.length - 1]!.status,
    labOrderId: version >= 3 && 'labOrderId' in answer ? answer.labOrderId : null,
    version,
    updatedAt: at(version),
    timeline,
    results: [],
  });
}

describe('synchronous answers with two portal-adapter replicas (real Kafka, real Postgres)', () => {
  const schema = uniqueSchema('pa_replicas');
  const prefix = uniqueTopicPrefix('pa-replicas');
  const naming = new TopicNaming(prefix);
  const logger = createLogger('two-replicas-int', 'warn');
  const replicas: Record<'replica-a' | 'replica-b', RunningService | null> = { 'replica-a': null, 'replica-b': null };
  let portal: Server;
  let kafka: TestKafkaClients;
  let listener: Client;
  const notifications: string[] = [];

  const start = (replicaId: keyof typeof replicas, portalUrl: string) =>
    startService(
      portalAdapter,
      serviceTestEnv(
        { schema, topicPrefix: prefix },
        {
          PARTNERS: JSON.stringify([{ ...PARTNER, callbackUrl: `${portalUrl}/acme` }]),
          REPLICA_ID: replicaId,
          // Other suites share the database server; two replicas need few connections each.
          DB_POOL_SIZE: '4',
          // The fallback poll as slow as allowed: answers that come much faster than it came by NOTIFY.
          SYNC_WAIT_POLL_MS: '5000',
          // All REQUESTS waits may land on one replica: none may be turned away by the cap on open waits.
          PARTNER_MAX_WAITS: String(REQUESTS),
        },
      ),
    );

  const publishSnapshots = (snapshots: CorrelationSnapshot[]) => publishCorrelationSnapshots(kafka.producer, naming, snapshots);

  /** Partitions of the status topic each member of the portal-adapter group holds (both must hold some). */
  async function assignments(): Promise<number[][]> {
    const [group] = (await kafka.admin.describeGroups([naming.group('portal-adapter')])).groups;
    if (!group || group.state !== 'Stable') return [];
    return group.members.map((member) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return decoded?.assignment[naming.physical(Topic.correlationStatus)] ?? [];
    });
  }

  beforeAll(async () => {
    portal = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    const portalUrl = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    // One after the other: the first migrates the shared schema.
    replicas['replica-a'] = await start('replica-a', portalUrl);
    replicas['replica-b'] = await start('replica-b', portalUrl);

    kafka = await TestKafkaClients.connect(createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'two-replicas-int', topicPrefix: '' }, logger), naming);
    await waitFor(
      async () => {
        const held = await assignments();
        return held.length === 2 && held.every((partitions) => partitions.length > 0);
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'both replicas to hold partitions of the status topic' },
    );

    listener = new Client({ connectionString: TEST_DATABASE_URL });
    await listener.connect();
    listener.on('notification', (message) => notifications.push(message.payload ?? ''));
    await listener.query(`LISTEN "${syncAnswerChannel(schema)}"`);
  }, 150_000);

  afterAll(async () => {
    await listener?.end().catch(() => undefined);
    await Promise.allSettled(Object.values(replicas).map((replica) => replica?.close()));
    await kafka?.close();
    portal?.closeAllConnections();
    await new Promise((resolve) => portal?.close(resolve));
    await dropSchemas([schema]);
  }, 60_000);

  it("answers every waiting request on the replica that holds it, whichever replica consumed the lab's answer", async () => {
    const names = Object.keys(replicas) as (keyof typeof replicas)[];
    const sent = Array.from({ length: REQUESTS }, (_, i) => {
      const heldBy = names[i % 2]!;
      const portalRequestId = `PR-REPLICAS-${i}`;
      const rejected = i % 5 === 4;
      const started = performance.now();
      const response = httpJson('POST', `${replicas[heldBy]!.url}/v1/test-requests`, requestBody(portalRequestId, rejected ? ['XYZ'] : ['PH']), {
        ...auth,
        prefer: 'wait=30',
      }).then((answer) => ({ answer, at: performance.now(), elapsedMs: performance.now() - started }));
      return { i, heldBy, portalRequestId, rejected, response };
    });

    // Every request is stored while its partner waits; then the lab answers them all.
    const rows = await waitFor(
      async () => {
        const stored = await sql<{ correlation_id: string; portal_request_id: string }>(
          `SELECT correlation_id, portal_request_id FROM "${schema}".test_requests WHERE portal_request_id LIKE 'PR-REPLICAS-%'`,
        );
        return stored.length === REQUESTS && stored;
      },
      { timeoutMs: 60_000, what: `${REQUESTS} requests to be stored` },
    );
    const correlationOf = new Map(rows.map((r) => [r.portal_request_id, r.correlation_id]));
    const labOrderOf = (i: number) => `L-REPLICAS-${i}`;
    const reasonsOf = (i: number) => [`sample S-1: unknown test code "XYZ" (request ${i})`];
    const published = performance.now();
    await publishSnapshots(
      sent.map((s) => answerSnapshot(correlationOf.get(s.portalRequestId)!, s.portalRequestId, s.rejected ? { reasons: reasonsOf(s.i) } : { labOrderId: labOrderOf(s.i) })),
    );

    const answered = await Promise.all(sent.map(async (s) => ({ ...s, ...(await s.response) })));
    for (const s of answered) {
      const correlationId = correlationOf.get(s.portalRequestId)!;
      if (s.rejected) {
        expect({ i: s.i, status: s.answer.status }).toEqual({ i: s.i, status: 422 });
        expect(s.answer.body).toMatchObject({ correlationId, status: 'REJECTED_BY_LAB', reasons: reasonsOf(s.i) });
      } else {
        expect({ i: s.i, status: s.answer.status }).toEqual({ i: s.i, status: 201 });
        expect(s.answer.body).toEqual({ correlationId, status: 'ACCEPTED_BY_LAB', labOrderId: labOrderOf(s.i), statusUrl: `/v1/test-requests/${correlationId}` });
      }
    }

    // Which replica applied each answer: both did some, and each answered requests the other one applied.
    const applied = await sql<{ correlation_id: string; applied_by: string }>(
      `SELECT correlation_id, applied_by FROM "${schema}".correlation_views WHERE correlation_id = ANY($1::text[])`,
      [[...correlationOf.values()]],
    );
    const appliedBy = new Map(applied.map((r) => [r.correlation_id, r.applied_by]));
    const crossed = (holder: string) => answered.filter((s) => s.heldBy === holder && appliedBy.get(correlationOf.get(s.portalRequestId)!) !== holder);
    expect(new Set(applied.map((r) => r.applied_by))).toEqual(new Set(names));
    expect(crossed('replica-a').length).toBeGreaterThan(0);
    expect(crossed('replica-b').length).toBeGreaterThan(0);

    // They came by NOTIFY, not by the 5 s fallback poll: each replica counts what made it find each answer.
    const found = async (by: string) => {
      let total = 0;
      for (const replica of Object.values(replicas)) {
        const text = await (await fetch(`${replica!.url}/metrics`)).text();
        total += Number(text.split('\n').find((l) => l.startsWith('labsync_sync_answers_found_total{') && l.includes(`found_by="${by}"`))?.split(' ').pop() ?? 0);
      }
      return total;
    };
    const byNotification = await found('notification');
    const afterPublish = answered.map((s) => s.at - published).sort((a, b) => a - b);
    logger.warn(
      {
        p50Ms: Math.round(afterPublish[Math.floor(afterPublish.length / 2)]!),
        maxMs: Math.round(afterPublish[afterPublish.length - 1]!),
        byNotification,
        byPoll: await found('poll'),
        crossedA: crossed('replica-a').length,
        crossedB: crossed('replica-b').length,
      },
      'two replicas: how the answers arrived',
    );
    expect(byNotification).toBeGreaterThanOrEqual(REQUESTS * 0.8);
  }, 120_000);

  it('NOTIFYs waiting replicas when a view reaches an answer, and not for the steps before it', async () => {
    const response = await httpJson('POST', `${replicas['replica-a']!.url}/v1/test-requests`, requestBody('PR-REPLICAS-NOTIFY'), auth);
    expect(response.status).toBe(202);
    const correlationId = response.body.correlationId as string;
    const view = async () => (await sql<{ status: string }>(`SELECT status FROM "${schema}".correlation_views WHERE correlation_id = $1`, [correlationId]))[0]?.status;

    await publishSnapshots([answerSnapshot(correlationId, 'PR-REPLICAS-NOTIFY', { labOrderId: 'L-NOTIFY' }, 2)]);
    await waitFor(async () => (await view()) === 'DISPATCHED', { what: 'the DISPATCHED view' });
    await publishSnapshots([answerSnapshot(correlationId, 'PR-REPLICAS-NOTIFY', { labOrderId: 'L-NOTIFY' }, 3)]);
    await waitFor(async () => (await view()) === 'ACCEPTED_BY_LAB', { what: 'the ACCEPTED_BY_LAB view' });
    // Notifications arrive in commit order: once ACCEPTED's is here, a DISPATCHED one would be too.
    await waitFor(() => notifications.includes(correlationId), { what: 'the NOTIFY of the answer' });
    expect(notifications.filter((n) => n === correlationId)).toEqual([correlationId]);
  }, 60_000);

  it('answers its waiting partners 202 at once when a replica shuts down, and the other replica answers the next ones alone (rebalance)', async () => {
    const storedId = (portalRequestId: string) =>
      waitFor(async () => {
        const stored = await sql<{ correlation_id: string }>(`SELECT correlation_id FROM "${schema}".test_requests WHERE portal_request_id = $1`, [portalRequestId]);
        return stored[0]?.correlation_id;
      }, { what: `${portalRequestId} to be stored` });

    // A partner waits on replica-b, which is stopped (a deploy, a scale-down): it gets its 202 now, not in 30 s.
    const started = performance.now();
    const onLeaving = httpJson('POST', `${replicas['replica-b']!.url}/v1/test-requests`, requestBody('PR-REPLICAS-LEAVING'), { ...auth, prefer: 'wait=30' });
    const leavingId = await storedId('PR-REPLICAS-LEAVING');
    await waitFor(async () => (await (await fetch(`${replicas['replica-b']!.url}/metrics`)).text()).includes('labsync_sync_waiters{service="portal-adapter"} 1'), {
      what: 'the request to wait on replica-b',
    });
    await replicas['replica-b']!.close();
    replicas['replica-b'] = null;
    const leaving = await onLeaving;
    expect(leaving.status).toBe(202);
    expect(leaving.body).toEqual({ correlationId: leavingId, status: 'RECEIVED', statusUrl: `/v1/test-requests/${leavingId}` });
    expect(performance.now() - started).toBeLessThan(15_000);

    // replica-b's partitions move to replica-a, which now consumes every answer and holds every request.
    const response = httpJson('POST', `${replicas['replica-a']!.url}/v1/test-requests`, requestBody('PR-REPLICAS-REBALANCE'), { ...auth, prefer: 'wait=30' });
    const correlationId = await storedId('PR-REPLICAS-REBALANCE');
    await publishSnapshots([
      answerSnapshot(correlationId, 'PR-REPLICAS-REBALANCE', { labOrderId: 'L-REBALANCE' }),
      answerSnapshot(leavingId, 'PR-REPLICAS-LEAVING', { labOrderId: 'L-LEAVING' }),
    ]);
    const answer = await response;
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ correlationId, labOrderId: 'L-REBALANCE' });
    // The request whose partner got the 202 went on all the same.
    const later = await waitFor(async () => {
      const status = await httpJson('GET', `${replicas['replica-a']!.url}/v1/test-requests/${leavingId}`, undefined, auth);
      return status.body.status === 'ACCEPTED_BY_LAB' && status.body;
    }, { what: 'the leaving request to be accepted' });
    expect(later.labOrderId).toBe('L-LEAVING');
  }, 90_000);
});
