import { TOPICS, type EventEnvelope, type TopicMap, type TopicName, type TopicRegistry } from '@labsync/contracts';
import type { Logger, Metrics } from '@labsync/observability';
import { isConnectionError } from '@labsync/persistence';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import type { TopicNaming } from '../kafka/kafka-client';
import { DeadLetterPublisher } from './dead-letter-publisher';
import { applyChunk, type ChunkDeps } from './chunk-applier';
import { KeepAlive } from './keep-alive';
import { PermanentEventError } from './permanent-event-error';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, type RetryPolicy } from './retry-policy';

export interface EventHandlerContext<T extends TopicName = TopicName> {
  envelope: EventEnvelope<TopicMap[T]>;
  /** The transaction the effect must be written in; it also records the event as processed. */
  manager: EntityManager;
  topic: T;
  partition: number;
  offset: string;
}

export type EventHandler<T extends TopicName = TopicName> = (payload: TopicMap[T], context: EventHandlerContext<T>) => Promise<unknown>;

/** What a tombstone handler gets: the deleted entity's key and the transaction to delete it in. */
export interface TombstoneContext<T extends TopicName = TopicName> {
  key: string;
  manager: EntityManager;
  topic: T;
  partition: number;
  offset: string;
}

/** Applies a tombstone (null value) on a topic declared with `tombstones: true`. Must be idempotent. */
export type TombstoneHandler<T extends TopicName = TopicName> = (key: string, context: TombstoneContext<T>) => Promise<unknown>;

export interface EventConsumerOptions {
  kafka: Kafka;
  naming: TopicNaming;
  /** Logical group name (the app's name, usually); the topic prefix is added. */
  groupId: string;
  dataSource: DataSource;
  schema: string;
  handlers: ReadonlyMap<TopicName, EventHandler>;
  /** Handlers of tombstones, for topics declared with `tombstones: true`. */
  tombstoneHandlers?: ReadonlyMap<TopicName, TombstoneHandler>;
  /** Where the topics' contracts are looked up: TOPICS, unless a test declares its own entity topics. */
  registry?: TopicRegistry;
  /** A handler still running after this long fails (transient) and its transaction is rolled back (default 30 s). */
  handlerTimeoutMs?: number;
  deadLetters: DeadLetterPublisher;
  logger: Logger;
  metrics: Metrics;
  retry?: RetryPolicy;
  partitionsConsumedConcurrently?: number;
  /** Messages applied per database transaction (each in its own savepoint). */
  chunkSize?: number;
  /**
   * How long the group coordinator keeps a silent member (default 15 s). It bounds how long a member that
   * died without leaving (SIGKILL, or a crash while the broker was down) holds up its group's rebalance.
   * Heartbeats go every fifth of it, also while a chunk is applied; one transaction stays open at most a
   * third of it before the rest of the chunk goes to the next one.
   */
  sessionTimeoutMs?: number;
  /** First delay before this consumer re-creates itself after kafkajs gave up on it (doubles up to 30 s). */
  restartDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** kafkajs's "this member must rejoin the group" errors (its runner rejoins when eachBatch throws one). */
const GROUP_MEMBERSHIP_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);
function isGroupMembershipError(error: unknown): boolean {
  return GROUP_MEMBERSHIP_ERRORS.has((error as { type?: string } | null)?.type ?? '');
}

/** deadlock_detected, serialization_failure, lock_not_available: retry the transaction, the data is fine. */
const TRANSIENT_CONFLICTS = new Set(['40P01', '40001', '55P03']);
function isTransientConflict(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return !!e && (TRANSIENT_CONFLICTS.has(e.code ?? '') || TRANSIENT_CONFLICTS.has(e.driverError?.code ?? ''));
}

/**
 * Consumes labsync topics with an idempotent, transactional handler per topic.
 *
 * For each partition, messages are applied in order, a chunk per database transaction: each message gets
 * a savepoint, its event id is recorded in processed_events, and its handler's effects commit with that
 * record, so a redelivered event is skipped. A message that fails validation, whose handler throws a
 * PermanentEventError, keeps failing, or was started too often without finishing (consumer_attempts), goes
 * to the dead-letter topic with the reason, and the partition moves on (see chunk-applier.ts). When Postgres or
 * Kafka is unreachable nothing is skipped: the chunk is retried, with backoff, until they are back.
 */
export class EventConsumer {
  private consumer: Consumer | null = null;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;
  private readonly consumed;
  private readonly handlerSeconds;
  private crashed: Error | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartAttempt = 0;
  private readonly restarts;
  /** Starts of events that ended in an infrastructure error here (see ChunkDeps.survivedStarts). */
  private readonly survivedStarts = new Map<string, number>();

  constructor(private readonly options: EventConsumerOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.log = options.logger.child({ component: 'event-consumer', group: options.groupId });
    this.consumed = options.metrics.counter('labsync_events_consumed_total', 'Events consumed, by outcome', ['topic', 'outcome']);
    this.handlerSeconds = options.metrics.histogram('labsync_event_handler_seconds', 'Time to apply one event', ['topic']);
    this.restarts = options.metrics.counter('labsync_consumer_restarts_total', 'Times a consumer was re-created after kafkajs gave up on it');
  }

  get groupId(): string {
    return this.options.naming.group(this.options.groupId);
  }

  /** Null while healthy; the error when the consumer stopped for good. */
  get failure(): Error | null {
    return this.crashed;
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.run();
  }

  private async run(): Promise<void> {
    const { kafka, naming, handlers } = this.options;
    const sessionTimeout = this.options.sessionTimeoutMs ?? 15000;
    const consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout,
      rebalanceTimeout: 60000,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 5)),
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 10000 },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (consumer !== this.consumer) return;
      if (payload.restart) {
        this.log.warn({ err: payload.error }, 'consumer crashed, kafkajs restarts it');
      } else {
        // kafkajs gives up on errors it deems fatal; a process that stays up without consuming would stall
        // its flows silently, so re-create the consumer (readiness reports the failure until it is back).
        this.crashed = payload.error;
        this.log.error({ err: payload.error }, 'consumer crashed and kafkajs will not restart it: re-creating it');
        this.scheduleRestart();
      }
    });
    this.consumer = consumer;
    await consumer.connect();
    const topics = [...new Set([...handlers.keys(), ...(this.options.tombstoneHandlers?.keys() ?? [])])];
    await subscribeWhenTopicsAreServed(consumer, topics.map((t) => naming.physical(t)));
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.log.info({ topics }, 'consumer started');
  }

  private scheduleRestart(): void {
    if (this.stopping || this.restartTimer) return;
    const first = this.options.restartDelayMs ?? 1000;
    const delay = Math.min(first * 2 ** this.restartAttempt, 30000);
    this.restartAttempt += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart();
    }, delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    const old = this.consumer;
    this.consumer = null;
    await old?.disconnect().catch((error: unknown) => this.log.warn({ err: error }, 'disconnecting the crashed consumer failed'));
    try {
      await this.run();
      this.restarts.inc();
      this.crashed = null;
      this.restartAttempt = 0;
    } catch (error) {
      this.crashed = error instanceof Error ? error : new Error(String(error));
      this.log.error({ err: error }, 'consumer could not be re-created, trying again');
      this.scheduleRestart();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer) await consumer.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const topic = this.options.naming.logical(batch.topic) as TopicName;
    const chunkSize = this.options.chunkSize ?? 100;
    const sessionTimeout = this.options.sessionTimeoutMs ?? 15000;
    const keepAlive = new KeepAlive(heartbeat, isGroupMembershipError, Math.max(200, Math.floor(sessionTimeout / 5))).start();
    const isActive = () => isRunning() && !isStale();
    try {
      for (let start = 0; start < batch.messages.length; start += chunkSize) {
        if (!isActive()) return;
        const chunk = batch.messages.slice(start, start + chunkSize);
        // What already committed (or was dead-lettered) is not redone after an outage: no second dead letter.
        let resolvedThrough = -1n;
        const resolve = (offset: string) => {
          resolveOffset(offset);
          resolvedThrough = BigInt(offset);
        };
        let outage = 0;
        for (;;) {
          try {
            const remaining = chunk.filter((m) => BigInt(m.offset) > resolvedThrough);
            if (!(await applyChunk(this.chunkDeps(topic, batch.partition, keepAlive, isActive, resolve), remaining))) return;
            break;
          } catch (error) {
            // This member lost its partitions (a replica joined or left): kafkajs rejoins the group only once
            // eachBatch throws. Retrying here instead kept the surviving replica of a rebalance looping on
            // heartbeat errors forever while the group waited for it (found by the replica fault test).
            if (isGroupMembershipError(error)) throw error;
            // Postgres or Kafka is unreachable (or the transaction could not commit): nothing was applied,
            // so retry the same chunk until they are back. Skipping would lose events.
            outage += 1;
            const delay = backoffDelayMs(outage, 250, 5000);
            this.log.warn({ err: error, topic, partition: batch.partition, attempt: outage }, `cannot apply events, retrying in ${delay} ms`);
            await sleep(delay);
            if (!isActive()) return;
            keepAlive.check();
          }
        }
      }
    } finally {
      keepAlive.stop();
    }
  }

  private chunkDeps(topic: TopicName, partition: number, keepAlive: KeepAlive, isActive: () => boolean, resolveOffset: (offset: string) => void): ChunkDeps {
    const handler = this.options.handlers.get(topic);
    const tombstoneHandler = this.options.tombstoneHandlers?.get(topic);
    return {
      dataSource: this.options.dataSource,
      schema: this.options.schema,
      group: this.groupId,
      topic,
      registry: this.options.registry ?? TOPICS,
      partition,
      retry: this.retry,
      handlerTimeoutMs: this.options.handlerTimeoutMs ?? 30000,
      chunkBudgetMs: Math.max(1000, Math.floor((this.options.sessionTimeoutMs ?? 15000) / 3)),
      log: this.log,
      keepAlive,
      isActive,
      resolveOffset,
      runEvent: async (manager, { message, envelope }) => {
        if (!handler) throw new PermanentEventError(`no handler for ${topic} in group ${this.groupId}`);
        const timer = this.handlerSeconds.startTimer({ topic });
        try {
          await handler(envelope.payload as TopicMap[TopicName], { envelope: envelope as EventEnvelope<TopicMap[TopicName]>, manager, topic, partition, offset: message.offset });
        } finally {
          timer();
        }
      },
      runTombstone: tombstoneHandler ? (manager, message, key) => tombstoneHandler(key, { key, manager, topic, partition, offset: message.offset }).then(() => undefined) : null,
      deadLetter: async (message, reason, attempts, correlationId) => {
        await this.options.deadLetters.publish({ logicalTopic: topic, partition, message, consumerGroup: this.groupId, reason, attempts, correlationId });
        this.consumed.inc({ topic, outcome: 'dead_lettered' });
      },
      outcome: (outcome) => this.consumed.inc({ topic, outcome }),
      isInfrastructureError: (error) => isConnectionError(error) || isTransientConflict(error),
      survivedStarts: this.survivedStarts,
    };
  }
}

/**
 * Subscribes, retrying while the broker still reports the topics as unknown: right after a topic is
 * created (by this process or another replica) metadata can lag for a moment. Any other error, or the
 * deadline passing, fails the start with the broker's message.
 */
async function subscribeWhenTopicsAreServed(consumer: Consumer, topics: string[], timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await consumer.subscribe({ topics, fromBeginning: true });
      return;
    } catch (error) {
      const unknownTopic = /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE/i.test(
        `${(error as { type?: string }).type ?? ''} ${(error as Error).message}`,
      );
      if (!unknownTopic || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
