import { HEADERS, Topic, createEnvelope, type TopicMap } from '@labsync/contracts';
import { Metrics, createLogger } from '@labsync/observability';
import { createAppDataSource, initializeAndMigrate } from '@labsync/persistence';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, dropSchemas, runCli, sql, uniqueSchema, uniqueTopicPrefix, waitFor, deleteTestTopics, requestSubmittedPayload as submitted, testTableMigration } from '@labsync/testing';
import { eventConsumerUnderTest } from '../../test/event-consumer-under-test';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TopicNaming, createIdempotentProducer, createKafka } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/topic-admin';
import { MessagingTables1732100000000 } from '../outbox/messaging-tables.migration';
import { ConsumerAttempts1734100000000 } from './consumer-attempts.migration';
import { readConsumerDeadLetters, replayConsumerDeadLetters, type ConsumerDeadLetter } from './dead-letter-replay';
import { EventConsumer, type EventHandler } from './event-consumer';

const EffectsTable1732100000002 = testTableMigration('EffectsTable1732100000002', (s) => [`CREATE TABLE "${s}".effects (id bigserial PRIMARY KEY, consumer text NOT NULL, correlation_id text NOT NULL, event_id uuid NOT NULL)`]);

/**
 * Two consumer groups read labsync.requests.submitted.v1 into one schema: "steady" applies everything,
 * "flaky" has a bug for correlation ids starting with "flaky-" until the test fixes it.
 */
describe('replay of consumer dead letters (real Kafka, real Postgres)', () => {
  const logger = createLogger('dead-letter-replay-int', 'fatal');
  const schema = uniqueSchema('dl_replay');
  const prefix = uniqueTopicPrefix('dl-replay');
  const naming = new TopicNaming(prefix);
  const metrics = { steady: new Metrics('dl-steady'), flaky: new Metrics('dl-flaky') };
  let flakyBroken = true;
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: EventConsumer[] = [];

  const cliEnv = () => ({ KAFKA_BROKERS: TEST_KAFKA_BROKERS, KAFKA_TOPIC_PREFIX: prefix });
  const effects = (consumer: 'steady' | 'flaky', correlationId: string) =>
    sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".effects WHERE consumer = $1 AND correlation_id = $2`, [
      consumer,
      correlationId,
    ]);

  async function consumed(consumer: 'steady' | 'flaky', outcome: string): Promise<number> {
    const values = (await metrics[consumer].registry.getSingleMetric('labsync_events_consumed_total')?.get())?.values ?? [];
    return values.filter((v) => v.labels['outcome'] === outcome).reduce((n, v) => n + v.value, 0);
  }

  const handlerOf =
    (consumer: 'steady' | 'flaky'): EventHandler =>
    async (payload, { manager, envelope }) => {
      const { correlationId } = payload as TopicMap[typeof Topic.requestSubmitted];
      if (consumer === 'flaky' && flakyBroken && correlationId.startsWith('flaky-')) throw new Error('bug #42: cannot handle this request yet');
      await manager.query(`INSERT INTO "${schema}".effects (consumer, correlation_id, event_id) VALUES ($1, $2, $3)`, [consumer, correlationId, envelope.eventId]);
    };

  async function publish(correlationId: string, payload: unknown = submitted(correlationId)): Promise<string> {
    const envelope = createEnvelope({ type: 'request.submitted', schemaVersion: 1, correlationId, sourceSystem: 'int-test', payload });
    await producer.send({
      topic: naming.physical(Topic.requestSubmitted),
      acks: -1,
      messages: [{ key: correlationId, value: JSON.stringify(envelope), headers: { [HEADERS.eventId]: envelope.eventId, [HEADERS.correlationId]: correlationId } }],
    });
    return envelope.eventId;
  }

  async function deadLettersOf(correlationId: string, expected: number): Promise<ConsumerDeadLetter[]> {
    return waitFor(
      async () => {
        const { entries } = await readConsumerDeadLetters(kafka, naming, { filter: { correlationId } });
        return entries.length >= expected ? entries : undefined;
      },
      { what: `${expected} dead letter(s) of ${correlationId}`, intervalMs: 250 },
    );
  }

  beforeAll(async () => {
    dataSource = createAppDataSource({ url: TEST_DATABASE_URL, schema, entities: [], migrations: [MessagingTables1732100000000, ConsumerAttempts1734100000000, EffectsTable1732100000002] });
    await initializeAndMigrate(dataSource);
    kafka = createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'dead-letter-replay-int', topicPrefix: '' }, logger);
    await ensureTopics(kafka, naming, [Topic.requestSubmitted, Topic.deadLetter]);
    admin = kafka.admin();
    await admin.connect();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    for (const consumer of ['steady', 'flaky'] as const) {
      const eventConsumer = eventConsumerUnderTest({ kafka, naming, dataSource, schema, logger, metrics: metrics[consumer], producer }, consumer, {
        handlers: new Map([[Topic.requestSubmitted, handlerOf(consumer)]]),
        retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
      });
      await eventConsumer.start();
      consumers.push(eventConsumer);
    }
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.stop()));
    await producer?.disconnect();
    await deleteTestTopics(admin, prefix);
    await dataSource?.destroy();
    await dropSchemas([schema]);
  });

  it('lists a dead letter with its reason and original record, replays it once the bug is fixed, and a second replay changes nothing', async () => {
    const okBefore = await publish('ok-1');
    const flakyEventId = await publish('flaky-1');
    await publish('ok-2');
    await waitFor(async () => (await effects('flaky', 'ok-2')).length === 1 && (await effects('steady', 'flaky-1')).length === 1, { what: 'both groups to move on' });
    expect((await effects('flaky', 'ok-1')).map((e) => e.event_id)).toEqual([okBefore]);

    const [entry, ...others] = await deadLettersOf('flaky-1', 1);
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      id: `${entry!.partition}:${entry!.offset}`,
      eventId: flakyEventId,
      correlationId: 'flaky-1',
      payload: {
        originalTopic: Topic.requestSubmitted,
        originalKey: 'flaky-1',
        consumerGroup: naming.group('flaky'),
        reason: 'handler failed 2 times: bug #42: cannot handle this request yet',
        attempts: 2,
        originalHeaders: expect.objectContaining({ [HEADERS.eventId]: flakyEventId }),
      },
    });
    expect(JSON.parse(entry!.payload.originalValue)).toMatchObject({ eventId: flakyEventId, payload: { correlationId: 'flaky-1' } });
    expect(await effects('flaky', 'flaky-1')).toEqual([]);

    // The bug is fixed; the replay republishes the original record and the flaky group applies it, once.
    flakyBroken = false;
    const steadyDuplicates = await consumed('steady', 'duplicate');
    const [replayed] = await replayConsumerDeadLetters(producer, naming, [entry!]);
    expect(replayed).toMatchObject({ id: entry!.id, topic: naming.physical(Topic.requestSubmitted) });
    await waitFor(async () => (await effects('flaky', 'flaky-1')).length === 1, { what: 'the flaky group to apply the replayed event' });
    expect((await effects('flaky', 'flaky-1')).map((e) => e.event_id)).toEqual([flakyEventId]);
    // Every group reads the topic: the steady group had applied it already and skips it (idempotency by event id).
    await waitFor(async () => (await consumed('steady', 'duplicate')) === steadyDuplicates + 1, { what: 'the steady group to skip the replayed event' });
    expect(await effects('steady', 'flaky-1')).toHaveLength(1);

    // A double replay: both groups skip it; nothing is applied twice.
    const flakyDuplicates = await consumed('flaky', 'duplicate');
    await replayConsumerDeadLetters(producer, naming, [entry!]);
    await waitFor(async () => (await consumed('flaky', 'duplicate')) === flakyDuplicates + 1 && (await consumed('steady', 'duplicate')) === steadyDuplicates + 2, {
      what: 'both groups to skip the second replay',
    });
    expect(await effects('flaky', 'flaky-1')).toHaveLength(1);
    expect(await effects('steady', 'flaky-1')).toHaveLength(1);
    const processed = await sql(`SELECT consumer_group FROM "${schema}".processed_events WHERE event_id = $1 ORDER BY consumer_group`, [flakyEventId]);
    expect(processed.map((p) => p['consumer_group'])).toEqual([naming.group('flaky'), naming.group('steady')]);
    // Applied, not failed again: still the one dead letter of flaky-1 on the topic.
    expect((await readConsumerDeadLetters(kafka, naming, { filter: { correlationId: 'flaky-1' } })).entries).toHaveLength(1);
  });

  it('dead-letters a replayed poison message again (with its reason) instead of applying it, and lists what is not a dead letter as unreadable', async () => {
    const poisonPayload = { ...submitted('poison-1'), request: { portalRequestId: 'PR-x', samples: [] } };
    await publish('poison-1', poisonPayload);
    // Poison for every group: each dead-letters it.
    const first = await deadLettersOf('poison-1', 2);
    expect(first.map((e) => e.payload.consumerGroup).sort()).toEqual([naming.group('flaky'), naming.group('steady')]);
    expect(first.every((e) => /invalid request\.submitted payload/.test(e.payload.reason))).toBe(true);

    await replayConsumerDeadLetters(producer, naming, [first[0]!]);
    const again = await deadLettersOf('poison-1', 4);
    expect(again).toHaveLength(4);
    expect(await effects('steady', 'poison-1')).toEqual([]);

    await producer.send({ topic: naming.physical(Topic.deadLetter), acks: -1, messages: [{ key: 'garbage', value: 'not a dead letter' }] });
    const { unreadable } = await waitFor(
      async () => {
        const read = await readConsumerDeadLetters(kafka, naming);
        return read.unreadable.length > 0 ? read : undefined;
      },
      { what: 'the unreadable record', intervalMs: 250 },
    );
    expect(unreadable).toEqual([{ id: expect.stringMatching(/^\d+:\d+$/), partition: expect.any(Number), offset: expect.any(String), problem: expect.stringMatching(/value is not JSON/) }]);
  });

  describe('npm run labsync -- dead-letters --kafka (the CLI, spawned)', () => {
    it('lists the dead letters, with reasons and unreadable records', async () => {
      const listed = await runCli(['dead-letters', 'list', '--kafka', '--correlation', 'flaky-1'], cliEnv());
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout).toContain(`1 dead letter on ${naming.physical(Topic.deadLetter)}:`);
      expect(listed.stdout).toContain(`${Topic.requestSubmitted}`);
      expect(listed.stdout).toContain(`group ${naming.group('flaky')}  correlation flaky-1`);
      expect(listed.stdout).toContain('reason: handler failed 2 times: bug #42: cannot handle this request yet');

      const json = await runCli(['dead-letters', 'list', '--kafka', '--json'], cliEnv());
      expect(json.code).toBe(0);
      const body = JSON.parse(json.stdout) as { deadLetters: ConsumerDeadLetter[]; total: number; unreadable: unknown[] };
      expect(body.total).toBe(5);
      expect(body.deadLetters.map((d) => d.correlationId).sort()).toEqual(['flaky-1', 'poison-1', 'poison-1', 'poison-1', 'poison-1']);
      expect(body.unreadable).toHaveLength(1);

      const byGroup = await runCli(['dead-letters', 'list', '--kafka', '--group', naming.group('steady'), '--json'], cliEnv());
      expect(JSON.parse(byGroup.stdout).deadLetters.every((d: ConsumerDeadLetter) => d.payload.consumerGroup === naming.group('steady'))).toBe(true);
    });

    it('replays chosen dead letters by id (exit 0), and says which ids it could not replay (exit 1)', async () => {
      const [entry] = (await readConsumerDeadLetters(kafka, naming, { filter: { correlationId: 'flaky-1' } })).entries;
      const { unreadable } = await readConsumerDeadLetters(kafka, naming);
      const flakyDuplicates = await consumed('flaky', 'duplicate');

      const replayed = await runCli(['dead-letters', 'replay', '--kafka', entry!.id], cliEnv());
      expect(replayed).toMatchObject({ code: 0, stderr: '' });
      expect(replayed.stdout).toMatch(new RegExp(`^replayed ${entry!.id} to ${naming.physical(Topic.requestSubmitted).replace(/\./g, '\\.')} \\(partition \\d+, offset \\d+\\)\\n$`));
      // Already applied: the consumer skips it.
      await waitFor(async () => (await consumed('flaky', 'duplicate')) === flakyDuplicates + 1, { what: 'the replay to be skipped as a duplicate' });
      expect(await effects('flaky', 'flaky-1')).toHaveLength(1);

      const partial = await runCli(['dead-letters', 'replay', '--kafka', entry!.id, '0:999999', unreadable[0]!.id, '--json'], cliEnv());
      expect(partial.code).toBe(1);
      const result = JSON.parse(partial.stdout) as { replayed: { id: string }[]; notReplayed: { id: string; reason: string }[] };
      expect(result.replayed.map((r) => r.id)).toEqual([entry!.id]);
      expect(result.notReplayed).toEqual(
        expect.arrayContaining([
          { id: '0:999999', reason: 'no dead letter with this id on the dead-letter topic' },
          { id: unreadable[0]!.id, reason: expect.stringMatching(/^not a readable dead letter: value is not JSON/) },
        ]),
      );
      await waitFor(async () => (await consumed('flaky', 'duplicate')) === flakyDuplicates + 2, { what: 'the second replay to be skipped' });
      expect(await effects('flaky', 'flaky-1')).toHaveLength(1);
    });

    it('replays by filter, and fails clearly on a bad command line (2) or a dead-letter topic that does not exist (3)', async () => {
      const steadyDuplicates = await consumed('steady', 'duplicate');
      const byFilter = await runCli(['dead-letters', 'replay', '--kafka', '--correlation', 'flaky-1', '--group', naming.group('flaky')], cliEnv());
      expect(byFilter.code).toBe(0);
      expect(byFilter.stdout.trim().split('\n')).toHaveLength(1);
      await waitFor(async () => (await consumed('steady', 'duplicate')) === steadyDuplicates + 1, { what: 'the filtered replay to reach the consumers' });

      const nothing = await runCli(['dead-letters', 'replay', '--kafka', '--correlation', 'no-such-correlation'], cliEnv());
      expect(nothing).toMatchObject({ code: 0, stdout: 'No dead letters matched; nothing replayed.\n' });

      const usage = await runCli(['dead-letters', 'replay', '--kafka', '--partner', 'acme'], cliEnv());
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/--partner filters dead-lettered callbacks/);
      expect((await runCli(['dead-letters', 'replay', '--kafka', 'abc'], cliEnv())).code).toBe(2);

      const missing = await runCli(['dead-letters', 'list', '--kafka'], { ...cliEnv(), KAFKA_TOPIC_PREFIX: `${prefix}missing.` });
      expect(missing.code).toBe(3);
      expect(missing.stderr).toMatch(/the dead-letter topic ".*missing\.labsync\.deadletter\.v1" does not exist \(check KAFKA_BROKERS and KAFKA_TOPIC_PREFIX\)/);
      const badBrokers = await runCli(['dead-letters', 'list', '--kafka'], { ...cliEnv(), KAFKA_BROKERS: 'no-port-here' });
      expect(badBrokers.code).toBe(2);
      expect(badBrokers.stderr).toMatch(/KAFKA_BROKERS must be host:port/);
    });
  });
});
