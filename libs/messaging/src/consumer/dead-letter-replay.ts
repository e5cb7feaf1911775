import { randomUUID } from 'node:crypto';
import { Topic, isTopicName, type DeadLetterPayload } from '@labsync/contracts';
import type { IHeaders, Kafka, Message, Producer } from 'kafkajs';
import type { TopicNaming } from '../kafka/kafka-client';
import { decodeRecord } from './envelope-decoder';

/** Header a replayed record carries: where on the dead-letter topic it came from. */
export const REPLAYED_FROM_HEADER = 'x-labsync-replayed-from';

/** One entry of labsync.deadletter.v1: a record a consumer gave up on, with why. */
export interface ConsumerDeadLetter {
  /** `<partition>:<offset>` on the dead-letter topic: how an operator names it. */
  id: string;
  partition: number;
  offset: string;
  /** When the consumer gave up (the dead-letter envelope's occurredAt). */
  recordedAt: string;
  /** The original event id (its x-event-id header), when it had one. */
  eventId: string | null;
  correlationId: string;
  payload: DeadLetterPayload;
}

/** A record on the dead-letter topic that is not a readable dead letter itself (listed, never replayed). */
export interface UnreadableDeadLetter {
  id: string;
  partition: number;
  offset: string;
  problem: string;
}

export interface ConsumerDeadLetterFilter {
  /** `<partition>:<offset>` ids; when given, only these. */
  ids?: readonly string[] | undefined;
  /** Logical topic the record was consumed from (e.g. labsync.lab.order-events.v1). */
  originalTopic?: string | undefined;
  /** Consumer group that gave up (with the topic prefix, as recorded). */
  consumerGroup?: string | undefined;
  correlationId?: string | undefined;
}

export interface ReplayedDeadLetter {
  id: string;
  /** Physical topic the original record went back to. */
  topic: string;
  partition: number;
  offset: string;
}

export type ParsedDeadLetter = { ok: true; entry: ConsumerDeadLetter } | { ok: false; unreadable: UnreadableDeadLetter };

/** Decodes one record of the dead-letter topic (pure). */
export function parseDeadLetterRecord(partition: number, offset: string, value: Buffer | null): ParsedDeadLetter {
  const id = `${partition}:${offset}`;
  const decoded = decodeRecord(Topic.deadLetter, value);
  if (!decoded.ok) return { ok: false, unreadable: { id, partition, offset, problem: decoded.reason } };
  const { envelope } = decoded;
  const payload = envelope.payload;
  return {
    ok: true,
    entry: {
      id,
      partition,
      offset,
      recordedAt: envelope.occurredAt,
      eventId: payload.originalHeaders['x-event-id'] ?? envelope.causationId ?? null,
      correlationId: envelope.correlationId,
      payload,
    },
  };
}

/** Whether a dead letter matches an operator's filter (every given criterion must hold). */
export function matchesDeadLetterFilter(entry: ConsumerDeadLetter, filter: ConsumerDeadLetterFilter): boolean {
  if (filter.ids && !filter.ids.includes(entry.id)) return false;
  if (filter.originalTopic !== undefined && entry.payload.originalTopic !== filter.originalTopic) return false;
  if (filter.consumerGroup !== undefined && entry.payload.consumerGroup !== filter.consumerGroup) return false;
  if (filter.correlationId !== undefined && entry.correlationId !== filter.correlationId && entry.payload.originalKey !== filter.correlationId) return false;
  return true;
}

/** `<partition>:<offset>`, as `ConsumerDeadLetter.id`; null when it is not one. */
export function parseDeadLetterId(id: string): { partition: number; offset: string } | null {
  const match = /^(\d{1,6}):(\d{1,19})$/.exec(id.trim());
  return match ? { partition: Number(match[1]), offset: String(BigInt(match[2]!)) } : null;
}

/**
 * The record a replay sends (pure): the original key, value and headers, to the original topic, plus a
 * header saying which dead letter it came from. Refuses a dead letter whose topic is not a labsync topic
 * (or is the dead-letter topic itself): replaying must never invent a destination.
 */
export function replayRecordOf(entry: ConsumerDeadLetter, naming: TopicNaming): { topic: string; message: Message } {
  const { originalTopic } = entry.payload;
  if (!isTopicName(originalTopic) || originalTopic === Topic.deadLetter) {
    throw new Error(`dead letter ${entry.id} came from "${originalTopic}", which is not a topic labsync replays to`);
  }
  const headers: IHeaders = { ...entry.payload.originalHeaders, [REPLAYED_FROM_HEADER]: `${naming.physical(Topic.deadLetter)}/${entry.id}` };
  return {
    topic: naming.physical(originalTopic),
    message: { key: entry.payload.originalKey, value: entry.payload.originalValue, headers },
  };
}

export interface ReadDeadLettersOptions {
  filter?: ConsumerDeadLetterFilter;
  /** Give up reading after this long (the topic is read up to its end at the time of the call). */
  timeoutMs?: number;
}

/**
 * Reads labsync.deadletter.v1 from the beginning up to its current end and returns the dead letters that
 * match (oldest first per partition), plus any record that is not a readable dead letter. It reads with a
 * throw-away consumer group that commits nothing and is deleted afterwards, so it disturbs no one.
 */
export async function readConsumerDeadLetters(
  kafka: Kafka,
  naming: TopicNaming,
  options: ReadDeadLettersOptions = {},
): Promise<{ entries: ConsumerDeadLetter[]; unreadable: UnreadableDeadLetter[] }> {
  const topic = naming.physical(Topic.deadLetter);
  const filter = options.filter ?? {};
  const admin = kafka.admin();
  await admin.connect();
  const groupId = naming.group(`labsync-dead-letter-reader-${randomUUID()}`);
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) throw new Error(`the dead-letter topic "${topic}" does not exist (check KAFKA_BROKERS and KAFKA_TOPIC_PREFIX)`);
    const ends = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    const entries: ConsumerDeadLetter[] = [];
    const unreadable: UnreadableDeadLetter[] = [];
    if (ends.size === 0) return { entries, unreadable };

    const wanted = filter.ids ? new Map(filter.ids.map((id) => [id, parseDeadLetterId(id)])) : null;
    const remaining = new Set(ends.keys());
    // Only partitions holding a wanted id need reading when ids are given.
    if (wanted) for (const partition of [...remaining]) if (![...wanted.values()].some((w) => w?.partition === partition)) remaining.delete(partition);
    if (remaining.size === 0) return { entries, unreadable };

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false, retry: { retries: 3 } });
    await consumer.connect();
    try {
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (!remaining.has(partition)) return;
          const parsed = parseDeadLetterRecord(partition, message.offset, message.value);
          if (parsed.ok) {
            if (matchesDeadLetterFilter(parsed.entry, filter)) entries.push(parsed.entry);
          } else if (!wanted || wanted.has(parsed.unreadable.id)) {
            unreadable.push(parsed.unreadable);
          }
          if (BigInt(message.offset) + 1n >= ends.get(partition)!) {
            remaining.delete(partition);
            if (remaining.size === 0) done();
          }
        },
      });
      const timeoutMs = options.timeoutMs ?? 60000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([finished, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect();
    }
    const order = (a: { partition: number; offset: string }, b: { partition: number; offset: string }) =>
      a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1);
    return { entries: entries.sort(order), unreadable: unreadable.sort(order) };
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * Republishes dead letters: each original record (key, value, headers) goes back to its original topic,
 * in the order given, acknowledged by all in-sync replicas. Consumers are idempotent (processed_events by
 * event id), so a replay of an event some group already applied changes nothing there; a record that
 * still fails is dead-lettered again, with a new reason.
 */
export async function replayConsumerDeadLetters(producer: Producer, naming: TopicNaming, entries: readonly ConsumerDeadLetter[]): Promise<ReplayedDeadLetter[]> {
  const records = entries.map((entry) => ({ entry, ...replayRecordOf(entry, naming) }));
  const replayed: ReplayedDeadLetter[] = [];
  for (const { entry, topic, message } of records) {
    const [metadata] = await producer.send({ topic, acks: -1, messages: [message] });
    replayed.push({ id: entry.id, topic, partition: metadata?.partition ?? -1, offset: metadata?.baseOffset ?? '' });
  }
  return replayed;
}
