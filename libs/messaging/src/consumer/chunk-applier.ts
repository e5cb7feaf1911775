import { carriesTombstones, type EventEnvelope, type TopicName, type TopicRegistry } from '@labsync/contracts';
import { runWithLogContext, type Logger } from '@labsync/observability';
import { quoteIdent } from '@labsync/persistence';
import type { KafkaMessage } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { AttemptStore, type StartedAttempt } from './attempt-store';
import { REPLAYED_FROM_HEADER } from './dead-letter-replay';
import { decodeRecord } from './envelope-decoder';
import type { KeepAlive } from './keep-alive';
import { isPermanentEventError } from './permanent-event-error';
import { backoffDelayMs, type RetryPolicy } from './retry-policy';

type Item =
  | { kind: 'event'; message: KafkaMessage; envelope: EventEnvelope<unknown>; replayed: boolean }
  | { kind: 'tombstone'; message: KafkaMessage; key: string }
  | { kind: 'invalid'; message: KafkaMessage; reason: string; correlationId: string | null };

export interface ChunkDeps {
  dataSource: DataSource;
  schema: string;
  group: string;
  topic: TopicName;
  /** Where the topic's event contract is looked up (TOPICS, unless a test brings its own). */
  registry: TopicRegistry;
  partition: number;
  retry: RetryPolicy;
  /** A handler running longer is failed (transient) and its transaction rolled back. */
  handlerTimeoutMs: number;
  /** A transaction takes no further message once open this long; the rest go in the next one. */
  chunkBudgetMs: number;
  log: Logger;
  keepAlive: KeepAlive;
  isActive: () => boolean;
  resolveOffset: (offset: string) => void;
  runEvent: (manager: EntityManager, item: { message: KafkaMessage; envelope: EventEnvelope<unknown> }) => Promise<void>;
  runTombstone: ((manager: EntityManager, message: KafkaMessage, key: string) => Promise<void>) | null;
  deadLetter: (message: KafkaMessage, reason: string, attempts: number, correlationId: string | null) => Promise<void>;
  outcome: (outcome: 'processed' | 'duplicate' | 'skipped_dead_lettered') => void;
  /** deadlocks, lost connections: the chunk is redone, never dead-lettered. */
  isInfrastructureError: (error: unknown) => boolean;
  /**
   * Event id -> starts this process saw end in an infrastructure error, held by the consumer across chunks:
   * the next start takes them back (AttemptStore.start), so a database outage is never mistaken for a
   * message that crashes the process.
   */
  survivedStarts: Map<string, number>;
}

/** Bounds survivedStarts (events whose partition moved away are never started here again). */
const MAX_SURVIVED_STARTS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Applies one chunk of a partition, in order. Optimistically the messages share one transaction (a savepoint
 * each); when a handler fails, what came before it commits, and the failing message is retried on its own,
 * with backoff OUTSIDE any transaction, while heartbeats keep the membership; then the rest continue.
 * Every attempt is counted in consumer_attempts before the handler runs, so a chunk found with attempts that
 * never finished (the process crashed or hung) is applied one message per transaction, and a message that
 * was started CONSUMER_MAX_ATTEMPTS times without finishing is dead-lettered instead of started again.
 * Returns false when the member must stop (partitions lost, shutting down) before the chunk was done.
 */
export async function applyChunk(deps: ChunkDeps, chunk: KafkaMessage[]): Promise<boolean> {
  const attempts = new AttemptStore(deps.dataSource, deps.schema, deps.group, deps.topic);
  const items = chunk.map((m) => decodeItem(deps, m));
  /** Attempts counted for an offset whose handler has not run yet (so it is not counted twice). */
  const banked = new Map<string, StartedAttempt>();
  let careful = false;
  let next = 0;
  while (next < items.length) {
    if (!deps.isActive()) return false;
    deps.keepAlive.check();
    const item = items[next]!;
    if (item.kind === 'invalid') {
      await deps.deadLetter(item.message, item.reason, 0, item.correlationId);
    } else if (careful) {
      await isolate(deps, attempts, item, banked, null);
    } else {
      const end = items.findIndex((it, i) => i > next && it.kind === 'invalid');
      const run = items.slice(next, end < 0 ? items.length : end) as Exclude<Item, { kind: 'invalid' }>[];
      const events = run.filter((it): it is Extract<Item, { kind: 'event' }> => it.kind === 'event' && !banked.has(it.message.offset));
      // Only messages never started before are counted together: counting a whole chunk again after each
      // crash would push the innocent messages behind the culprit to the limit with it.
      if ((await attempts.unfinished(events.map((e) => e.envelope.eventId))) > 0) {
        careful = true;
        deps.log.warn({ topic: deps.topic, partition: deps.partition, offset: item.message.offset }, 'events were started before and never finished: applying one per transaction');
        continue;
      }
      const started = await startAttempts(deps, attempts, events);
      for (const e of events) banked.set(e.message.offset, started.get(e.envelope.eventId)!);
      const { applied, failure } = await applyRun(deps, attempts, run);
      for (const done of run.slice(0, applied)) banked.delete(done.message.offset);
      next += applied;
      if (applied > 0) deps.resolveOffset(run[applied - 1]!.message.offset);
      if (failure === null) continue;
      await isolate(deps, attempts, items[next] as Exclude<Item, { kind: 'invalid' }>, banked, failure);
    }
    if (!deps.isActive()) return false;
    deps.resolveOffset(items[next]!.message.offset);
    next += 1;
  }
  return true;
}

/** One transaction over `run`, stopping at the first handler failure (rolled back to its savepoint) or the budget. */
async function applyRun(deps: ChunkDeps, attempts: AttemptStore, run: Exclude<Item, { kind: 'invalid' }>[]): Promise<{ applied: number; failure: unknown }> {
  const opened = Date.now();
  let applied = 0;
  let failure: unknown = null;
  const finished: string[] = [];
  try {
    await deps.dataSource.transaction(async (manager) => {
      for (const item of run) {
        if (applied > 0 && (Date.now() - opened > deps.chunkBudgetMs || !deps.isActive())) break;
        deps.keepAlive.check();
        await manager.query('SAVEPOINT labsync_event');
        try {
          await applyOne(deps, manager, item);
          await manager.query('RELEASE SAVEPOINT labsync_event');
          if (item.kind === 'event') finished.push(item.envelope.eventId);
          applied += 1;
        } catch (error) {
          if (deps.isInfrastructureError(error)) throw error;
          await manager.query('ROLLBACK TO SAVEPOINT labsync_event');
          failure = error;
          break;
        }
      }
      // One statement for the run, committed with the effects: these events are finished.
      await attempts.finished(manager, finished);
    });
  } catch (error) {
    // Every event of the run had one counted start, and this process lived to see it fail: not a crash.
    if (deps.isInfrastructureError(error)) noteSurvived(deps, run);
    throw error;
  }
  return { applied, failure };
}

async function startAttempts(deps: ChunkDeps, attempts: AttemptStore, events: readonly Extract<Item, { kind: 'event' }>[]): Promise<Map<string, StartedAttempt>> {
  const started = await attempts.start(events.map((e) => ({ eventId: e.envelope.eventId, fresh: e.replayed, survived: deps.survivedStarts.get(e.envelope.eventId) ?? 0 })));
  for (const e of events) deps.survivedStarts.delete(e.envelope.eventId);
  return started;
}

function noteSurvived(deps: ChunkDeps, run: readonly Exclude<Item, { kind: 'invalid' }>[]): void {
  if (deps.survivedStarts.size > MAX_SURVIVED_STARTS) deps.survivedStarts.clear();
  for (const item of run) if (item.kind === 'event') deps.survivedStarts.set(item.envelope.eventId, (deps.survivedStarts.get(item.envelope.eventId) ?? 0) + 1);
}

async function applyOne(deps: ChunkDeps, manager: EntityManager, item: Exclude<Item, { kind: 'invalid' }>): Promise<void> {
  if (item.kind === 'tombstone') {
    // Deletes are idempotent by nature; a tombstone has no event id to record.
    await withTimeout(deps.runTombstone!(manager, item.message, item.key), deps.handlerTimeoutMs);
    deps.outcome('processed');
    return;
  }
  const { envelope } = item;
  const inserted = (await manager.query(
    `INSERT INTO ${quoteIdent(deps.schema)}.processed_events (consumer_group, event_id, topic) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id`,
    [deps.group, envelope.eventId, deps.topic],
  )) as unknown[];
  if (inserted.length === 0) {
    deps.outcome('duplicate');
  } else {
    await runWithLogContext({ correlationId: envelope.correlationId, eventId: envelope.eventId }, () =>
      withTimeout(deps.runEvent(manager, { message: item.message, envelope }), deps.handlerTimeoutMs),
    );
    deps.outcome('processed');
  }
}

/** The message alone: retried in its own transaction, backing off between attempts outside any transaction. */
async function isolate(deps: ChunkDeps, attempts: AttemptStore, item: Exclude<Item, { kind: 'invalid' }>, banked: Map<string, StartedAttempt>, firstFailure: unknown): Promise<void> {
  const correlationId = item.kind === 'event' ? item.envelope.correlationId : null;
  const bankedStart = banked.get(item.message.offset);
  banked.delete(item.message.offset);
  let failure = firstFailure;
  let count = firstFailure === null ? 0 : (bankedStart?.attempts ?? 1);
  /** An attempt already counted (with the chunk) that has not run yet. */
  let pending = firstFailure === null ? bankedStart : undefined;
  for (;;) {
    if (failure !== null) {
      if (isPermanentEventError(failure)) return giveUp(deps, attempts, item, `permanent failure: ${message(failure)}`, count, correlationId);
      if (count >= deps.retry.maxAttempts) return giveUp(deps, attempts, item, `handler failed ${count} times: ${message(failure)}`, count, correlationId);
      deps.log.warn({ err: failure, correlationId, attempt: count }, 'event handler failed, retrying it on its own');
      await sleep(backoffDelayMs(count, deps.retry.baseDelayMs, deps.retry.maxDelayMs));
      if (!deps.isActive()) return;
      deps.keepAlive.check();
    }
    if (item.kind === 'event') {
      const started = pending ?? (await startAttempts(deps, attempts, [item])).get(item.envelope.eventId)!;
      pending = undefined;
      if (started.deadLettered) {
        deps.outcome('skipped_dead_lettered');
        return;
      }
      count = started.attempts;
      if (count > deps.retry.maxAttempts) {
        const reason = `started ${count - 1} times without finishing (the process crashed, hung or lost the partition while handling it)`;
        return giveUp(deps, attempts, item, reason, count - 1, correlationId);
      }
    } else {
      count += 1;
    }
    const { applied, failure: next } = await applyRun(deps, attempts, [item]);
    if (applied === 1) return;
    failure = next;
  }
}

async function giveUp(deps: ChunkDeps, attempts: AttemptStore, item: Exclude<Item, { kind: 'invalid' }>, reason: string, count: number, correlationId: string | null): Promise<void> {
  await deps.deadLetter(item.message, reason, count, correlationId);
  if (item.kind === 'event') await attempts.deadLettered(item.envelope.eventId);
}

function decodeItem(deps: ChunkDeps, m: KafkaMessage): Item {
  const { topic } = deps;
  if (m.value === null && carriesTombstones(topic, deps.registry)) {
    if (!deps.runTombstone) return { kind: 'invalid', message: m, reason: `tombstone on ${topic} but group ${deps.group} has no tombstone handler`, correlationId: null };
    if (!m.key || m.key.length === 0) return { kind: 'invalid', message: m, reason: `tombstone without a key on ${topic}`, correlationId: null };
    return { kind: 'tombstone', message: m, key: m.key.toString('utf8') };
  }
  const decoded = decodeRecord(topic, m.value, deps.registry);
  if (!decoded.ok) return { kind: 'invalid', message: m, reason: decoded.reason, correlationId: decoded.correlationId };
  return { kind: 'event', message: m, envelope: decoded.envelope, replayed: m.headers?.[REPLAYED_FROM_HEADER] !== undefined };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`handler did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
