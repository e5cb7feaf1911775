import { EventEmitter } from 'node:events';
import { createLogger, Metrics } from '@labsync/observability';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { TopicNaming } from '../kafka/kafka-client';
import type { DeadLetterPublisher } from './dead-letter-publisher';
import { EventConsumer, type EventHandler } from './event-consumer';
import { waitFor } from '@labsync/testing';
import type { TopicName } from '@labsync/contracts';

/**
 * kafkajs restarts a crashed consumer only when it deems the error retriable; otherwise the consumer is dead
 * while the process stays up, and its flows stall without a sound. EventConsumer re-creates itself then.
 * The kafkajs consumer is faked here: the point is what EventConsumer does with kafkajs's CRASH event.
 */
class FakeKafkaConsumer extends EventEmitter {
  readonly events = { CRASH: 'consumer.crash' } as const;
  disconnected = false;
  constructor(private readonly onRun: (self: FakeKafkaConsumer) => void) {
    super();
  }
  async connect() {}
  async subscribe() {}
  async run() {
    this.onRun(this);
  }
  async disconnect() {
    this.disconnected = true;
  }
  crash(restart: boolean) {
    this.emit(this.events.CRASH, { payload: { error: new Error('fatal: the coordinator said no'), restart } });
  }
}

function consumerWith(runs: ((c: FakeKafkaConsumer) => void)[], restartDelayMs = 10) {
  const created: FakeKafkaConsumer[] = [];
  const kafka = {
    consumer: jest.fn(() => {
      const consumer = new FakeKafkaConsumer(runs[created.length] ?? (() => undefined));
      created.push(consumer);
      return consumer;
    }),
  } as unknown as Kafka;
  const metrics = new Metrics('restart-spec');
  const eventConsumer = new EventConsumer({
    kafka,
    naming: new TopicNaming(''),
    groupId: 'restart-spec',
    dataSource: {} as DataSource,
    schema: 'restart_spec',
    handlers: new Map<TopicName, EventHandler>([['labsync.portal.test-requests.v1' as TopicName, async () => undefined]]),
    deadLetters: {} as DeadLetterPublisher,
    logger: createLogger('restart-spec', 'silent'),
    metrics,
    restartDelayMs,
  });
  return { eventConsumer, created, metrics };
}

describe('EventConsumer when kafkajs gives up on its consumer', () => {
  it('re-creates the consumer after a crash kafkajs will not restart, and is healthy again', async () => {
    const { eventConsumer, created, metrics } = consumerWith([(c) => setImmediate(() => c.crash(false))]);
    await eventConsumer.start();
    await waitFor(() => created.length === 2, { timeoutMs: 2000, what: 'a second consumer' });
    await waitFor(() => eventConsumer.failure === null, { timeoutMs: 2000, what: 'the failure to clear' });
    expect(created[0]!.disconnected).toBe(true);
    expect(created[1]!.disconnected).toBe(false);
    const restarts = await metrics.registry.getSingleMetric('labsync_consumer_restarts_total')!.get();
    expect(restarts.values[0]!.value).toBe(1);
    await eventConsumer.stop();
    expect(created[1]!.disconnected).toBe(true);
  });

  // "Nothing happened" is checked on fake timers: running every timer past the longest restart delay (30 s)
  // would have run a restart that was scheduled, whatever the machine's speed; no wall-clock sleep.
  const LONGER_THAN_ANY_RESTART_DELAY_MS = 31000;

  it('leaves a crash kafkajs restarts itself to kafkajs', async () => {
    jest.useFakeTimers();
    try {
      let crash: (() => void) | undefined;
      const { eventConsumer, created } = consumerWith([(c) => (crash = () => c.crash(true))]);
      await eventConsumer.start();
      crash!();
      await jest.advanceTimersByTimeAsync(LONGER_THAN_ANY_RESTART_DELAY_MS);
      expect(created).toHaveLength(1);
      expect(eventConsumer.failure).toBeNull();
      await eventConsumer.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports the failure while re-creating keeps failing, and retries with backoff until it works', async () => {
    const { eventConsumer, created } = consumerWith([(c) => setImmediate(() => c.crash(false))], 300);
    const realConsumer = (eventConsumer as unknown as { options: { kafka: { consumer: () => FakeKafkaConsumer } } }).options.kafka;
    let refusals = 2;
    const original = realConsumer.consumer;
    realConsumer.consumer = jest.fn(() => {
      const consumer = original();
      if (created.length > 1 && refusals > 0) {
        refusals -= 1;
        consumer.connect = async () => {
          throw new Error('broker refused');
        };
      }
      return consumer;
    });
    await eventConsumer.start();
    await waitFor(() => eventConsumer.failure?.message === 'broker refused', { timeoutMs: 3000, intervalMs: 20, what: 'the re-creation failure to show' });
    await waitFor(() => eventConsumer.failure === null, { timeoutMs: 10000, what: 'the consumer to come back' });
    expect(created).toHaveLength(4);
    await eventConsumer.stop();
  });

  it('does not re-create a consumer that was stopped', async () => {
    let crashLater: (() => void) | undefined;
    const { eventConsumer, created } = consumerWith([(c) => (crashLater = () => c.crash(false))]);
    jest.useFakeTimers();
    try {
      await eventConsumer.start();
      await eventConsumer.stop();
      crashLater!();
      await jest.advanceTimersByTimeAsync(LONGER_THAN_ANY_RESTART_DELAY_MS);
      expect(created).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
