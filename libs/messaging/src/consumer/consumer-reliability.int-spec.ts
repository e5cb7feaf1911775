import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HEADERS, Topic, createEnvelope, type TopicMap } from '@labsync/contracts';
import { Metrics, createLogger } from '@labsync/observability';
import { createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, sql, uniqueSchema, uniqueTopicPrefix, waitFor, requestSubmittedPayload as submitted, testTableMigration } from '@labsync/testing';
import { eventConsumerUnderTest } from '../../test/event-consumer-under-test';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TopicNaming, createIdempotentProducer, createKafka } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/topic-admin';
import { MessagingTables1732100000000 } from '../outbox/messaging-tables.migration';
import { ConsumerAttempts1734100000000 } from './consumer-attempts.migration';
import { readConsumerDeadLetters } from './dead-letter-replay';
import { EventConsumer, type EventConsumerOptions, type EventHandler } from './event-consumer';
import { PermanentEventError } from './permanent-event-error';

const ROOT = join(__dirname, '../../../..');

const ReliabilityEffects1734100000001 = testTableMigration('ReliabilityEffects1734100000001', (s) => [`CREATE TABLE "${s}".effects (id bigserial PRIMARY KEY, correlation_id text NOT NULL, event_id uuid NOT NULL)`]);

/**
 * A consumer in a child process that dies (SIGKILL, no leave, no commit) on the event of correlation
 * "kills-the-process": a real crash, the way an out-of-memory handler takes a replica down.
 */
const CRASHING_CONSUMER = `
const { EventConsumer, DeadLetterPublisher, TopicNaming, createKafka, createIdempotentProducer } = require(${JSON.stringify(join(ROOT, 'dist/out/libs/messaging/src'))});
const { Metrics, createLogger } = require(${JSON.stringify(join(ROOT, 'dist/out/libs/observability/src'))});
const { createAppDataSource } = require(${JSON.stringify(join(ROOT, 'dist/out/libs/persistence/src'))});
(async () => {
  const env = process.env;
  const logger = createLogger('crashing-consumer', 'fatal');
  const metrics = new Metrics('crashing-consumer');
  const naming = new TopicNaming(env.PREFIX);
  const dataSource = createAppDataSource({ url: env.DATABASE_URL, schema: env.SCHEMA, entities: [], migrations: [] });
  await dataSource.initialize();
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'crashing-consumer', topicPrefix: '' }, logger);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const handler = async (payload, { manager, envelope }) => {
    if (payload.correlationId === 'kills-the-process') process.kill(process.pid, 'SIGKILL');
    await manager.query('INSERT INTO "' + env.SCHEMA + '".effects (correlation_id, event_id) VALUES ($1, $2)', [payload.correlationId, envelope.eventId]);
  };
  const consumer = new EventConsumer({
    kafka, naming, groupId: env.GROUP, dataSource, schema: env.SCHEMA, logger, metrics, sessionTimeoutMs: 6000,
    handlers: new Map([['${Topic.requestSubmitted}', handler]]),
    deadLetters: new DeadLetterPublisher(producer, naming, 'crashing-consumer', logger, metrics),
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 20 },
  });
  await consumer.start();
})().catch((error) => { console.error(error); process.exit(2); });
`;

function runCrashingConsumer(env: Record<string, string>): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CRASHING_CONSUMER], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(signal ?? code));
  });
}

describe('consumer reliability: slow chunks, crashes, permanent errors (real Kafka, real Postgres)', () => {
  const logger = createLogger('consumer-reliability-int', 'fatal');
  const schema = uniqueSchema('reliability');
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: EventConsumer[] = [];
  const prefixes: string[] = [];

  const effects = (correlationId: string) => sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".effects WHERE correlation_id = $1`, [correlationId]);
  const effectCount = async (like: string) => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".effects WHERE correlation_id LIKE $1`, [like]))[0]!.n);
  const insertEffect: EventHandler = async (payload, { manager, envelope }) => {
    const { correlationId } = payload as TopicMap[typeof Topic.requestSubmitted];
    await manager.query(`INSERT INTO "${schema}".effects (correlation_id, event_id) VALUES ($1, $2)`, [correlationId, envelope.eventId]);
  };

  /** Topics of their own for one test: no other test's records, no other test's dead letters. */
  async function ownTopics(label: string): Promise<TopicNaming> {
    const prefix = uniqueTopicPrefix(`reliability-${label}`);
    prefixes.push(prefix);
    const naming = new TopicNaming(prefix);
    await ensureTopics(kafka, naming, [Topic.requestSubmitted, Topic.deadLetter]);
    return naming;
  }

  const envelopeOf = (correlationId: string) =>
    createEnvelope({ type: 'request.submitted', schemaVersion: 1, correlationId, sourceSystem: 'int-test', payload: submitted(correlationId) });

  /** All records under one key: one partition, so they arrive in one batch and one chunk. */
  async function publishInOrder(naming: TopicNaming, key: string, correlationIds: string[]): Promise<string[]> {
    const envelopes = correlationIds.map(envelopeOf);
    await producer.send({
      topic: naming.physical(Topic.requestSubmitted),
      acks: -1,
      messages: envelopes.map((e) => ({ key, value: JSON.stringify(e), headers: { [HEADERS.eventId]: e.eventId, [HEADERS.correlationId]: e.correlationId } })),
    });
    return envelopes.map((e) => e.eventId);
  }

  async function startConsumer(naming: TopicNaming, groupId: string, handler: EventHandler, options: Partial<EventConsumerOptions> = {}): Promise<EventConsumer> {
    const metrics = new Metrics(`reliability-${groupId}`);
    const consumer = eventConsumerUnderTest({ kafka, naming, dataSource, schema, logger, metrics, producer }, groupId, {
      handlers: new Map([[Topic.requestSubmitted, handler]]),
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 },
      ...options,
    });
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  }

  async function committedOffsets(naming: TopicNaming, groupId: string): Promise<number> {
    const [offsets] = await admin.fetchOffsets({ groupId: naming.group(groupId), topics: [naming.physical(Topic.requestSubmitted)] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  beforeAll(async () => {
    dataSource = createAppDataSource({
      url: TEST_DATABASE_URL,
      schema,
      entities: [],
      migrations: [MessagingTables1732100000000, ConsumerAttempts1734100000000, ReliabilityEffects1734100000001],
    });
    await initializeAndMigrate(dataSource);
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'consumer-reliability-int', topicPrefix: '' }, logger);
    admin = kafka.admin();
    await admin.connect();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.stop()));
    await producer?.disconnect();
    if (admin) {
      const ours = (await admin.listTopics().catch(() => [] as string[])).filter((t) => prefixes.some((p) => t.startsWith(p)));
      await admin.deleteTopics({ topics: ours }).catch(() => undefined);
      await admin.disconnect();
    }
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('applies a chunk of 100 with failing handlers that retry longer than the 6 s session: one dead letter each, offsets committed', async () => {
    const naming = await ownTopics('chunk');
    const ids = Array.from({ length: 100 }, (_, i) => `chunk-${String(i).padStart(3, '0')}`);
    const failing = new Set(['chunk-013', 'chunk-042', 'chunk-077']);
    const calls = new Map<string, number>();
    await publishInOrder(naming, 'one-partition', ids);
    const started = Date.now();
    // Retry delays of 0.5-2 s between 4 attempts: each failing message takes 2.5-5 s, the three together
    // more than the 6 s session. Before the fix they were slept inside the chunk's transaction without a
    // heartbeat, the member was removed, the commit lost, and the chunk redone with a second round.
    await startConsumer(
      naming,
      'chunk',
      async (payload, context) => {
        const { correlationId } = payload as TopicMap[typeof Topic.requestSubmitted];
        calls.set(correlationId, (calls.get(correlationId) ?? 0) + 1);
        if (failing.has(correlationId)) throw new Error(`lab code unknown for ${correlationId}`);
        await insertEffect(payload, context);
      },
      { chunkSize: 100, sessionTimeoutMs: 6000, retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 2000 } },
    );
    await waitFor(async () => (await committedOffsets(naming, 'chunk')) === 100, { timeoutMs: 60000, intervalMs: 250, what: 'offsets committed through the end of the chunk' });
    const elapsedMs = Date.now() - started;
    expect(elapsedMs).toBeGreaterThan(6000);
    expect(await effectCount('chunk-%')).toBe(97);
    const { entries } = await readConsumerDeadLetters(kafka, naming);
    expect(entries.map((e) => e.correlationId).sort()).toEqual([...failing].sort());
    for (const entry of entries) {
      expect(entry.payload).toMatchObject({ reason: `handler failed 4 times: lab code unknown for ${entry.correlationId}`, attempts: 4 });
    }
    // One round: each failing handler ran exactly its 4 attempts, each other one once.
    expect([...failing].map((id) => calls.get(id))).toEqual([4, 4, 4]);
    expect(ids.filter((id) => !failing.has(id)).every((id) => calls.get(id) === 1)).toBe(true);
    logger.info({ figure: 'chunk-with-failures-ms', elapsedMs }, 'chunk of 100 with 3 failing handlers applied');
  }, 90000);

  it('counts an attempt in its own committed statement before the handler runs, and forgets it once applied', async () => {
    const naming = await ownTopics('counted');
    const seenByAnotherConnection: unknown[] = [];
    const [eventId] = await publishInOrder(naming, 'counted', ['counted-1']);
    await startConsumer(naming, 'counted', async (payload, context) => {
      // Another connection sees the count while the handler's transaction is still open: it was committed.
      seenByAnotherConnection.push(...(await sql(`SELECT attempts FROM "${schema}".consumer_attempts WHERE event_id = $1`, [context.envelope.eventId])));
      await insertEffect(payload, context);
    });
    await waitFor(async () => (await effects('counted-1')).length === 1, { what: 'the event to be applied' });
    expect(seenByAnotherConnection).toEqual([{ attempts: 1 }]);
    expect(await sql(`SELECT * FROM "${schema}".consumer_attempts WHERE event_id = $1`, [eventId])).toEqual([]);
  });

  it('dead-letters a message that killed the process 4 times, with that reason, and applies the one behind it', async () => {
    const naming = await ownTopics('crash');
    const [killerId] = await publishInOrder(naming, 'crash', ['kills-the-process', 'behind-the-killer']);
    const env = { PREFIX: prefixes[prefixes.length - 1]!, SCHEMA: schema, GROUP: 'crash', DATABASE_URL: TEST_DATABASE_URL, KAFKA_BROKERS: TEST_KAFKA_BROKERS };
    for (let crash = 1; crash <= 4; crash++) {
      expect(await runCrashingConsumer(env)).toBe('SIGKILL');
      const [row] = await sql<{ attempts: number }>(`SELECT attempts FROM "${schema}".consumer_attempts WHERE event_id = $1`, [killerId]);
      expect(row?.attempts).toBe(crash);
    }
    const handled: string[] = [];
    await startConsumer(
      naming,
      'crash',
      async (payload, context) => {
        handled.push((payload as TopicMap[typeof Topic.requestSubmitted]).correlationId);
        await insertEffect(payload, context);
      },
      { sessionTimeoutMs: 6000, retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 20 } },
    );
    await waitFor(async () => (await effects('behind-the-killer')).length === 1, { timeoutMs: 45000, what: 'the event behind the killer' });
    const { entries } = await readConsumerDeadLetters(kafka, naming);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      eventId: killerId,
      payload: { reason: 'started 4 times without finishing (the process crashed, hung or lost the partition while handling it)', attempts: 4 },
    });
    expect(handled).toEqual(['behind-the-killer']);
    expect(await effects('kills-the-process')).toEqual([]);
  }, 120000);

  it('dead-letters a PermanentEventError at once with its reason, and retries a transient error', async () => {
    const naming = await ownTopics('permanent');
    const calls = new Map<string, number>();
    await publishInOrder(naming, 'permanent', ['unknown-test-code', 'flaky-once', 'after-both']);
    await startConsumer(naming, 'permanent', async (payload, context) => {
      const { correlationId } = payload as TopicMap[typeof Topic.requestSubmitted];
      const call = (calls.get(correlationId) ?? 0) + 1;
      calls.set(correlationId, call);
      if (correlationId === 'unknown-test-code') throw new PermanentEventError('test code PH-9 is not in the lab catalogue');
      if (correlationId === 'flaky-once' && call === 1) throw new Error('lab catalogue cache is warming up');
      await insertEffect(payload, context);
    });
    await waitFor(async () => (await effects('after-both')).length === 1, { what: 'the event behind them' });
    const { entries } = await readConsumerDeadLetters(kafka, naming);
    expect(entries.map((e) => [e.correlationId, e.payload.reason, e.payload.attempts])).toEqual([
      ['unknown-test-code', 'permanent failure: test code PH-9 is not in the lab catalogue', 1],
    ]);
    expect(calls.get('unknown-test-code')).toBe(1);
    expect(calls.get('flaky-once')).toBe(2);
    expect(await effects('flaky-once')).toHaveLength(1);
  });
  it('does not count database outages as crashes: a handler cut off from Postgres 6 times (limit 3) is applied, not dead-lettered', async () => {
    const naming = await ownTopics('db-outage');
    const calls = new Map<string, number>();
    await publishInOrder(naming, 'one-partition', ['outage-before', 'outage-victim', 'outage-after']);
    await startConsumer(naming, 'db-outage', async (payload, context) => {
      const { correlationId } = payload as TopicMap[typeof Topic.requestSubmitted];
      const n = (calls.get(correlationId) ?? 0) + 1;
      calls.set(correlationId, n);
      // What a cut connection throws mid-transaction (pg's 57P01): an infrastructure error, the chunk is redone.
      if (correlationId === 'outage-victim' && n <= 6) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      await insertEffect(payload, context);
    });
    await waitFor(async () => (await effects('outage-after')).length === 1, { timeoutMs: 60000, what: 'the event behind the outage' });
    expect(calls.get('outage-victim')).toBe(7);
    expect(await effects('outage-victim')).toHaveLength(1);
    expect(await effects('outage-before')).toHaveLength(1);
    const { entries } = await readConsumerDeadLetters(kafka, naming);
    expect(entries).toEqual([]);
  });
});
