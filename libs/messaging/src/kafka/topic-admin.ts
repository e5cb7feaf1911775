import { TOPICS, type TopicRegistry } from '@labsync/contracts';
import type { Admin, Kafka } from 'kafkajs';
import { DEFAULT_TOPIC_MAX_MESSAGE_BYTES } from '../outbox/record-size';
import { TopicNaming } from './kafka-client';

/**
 * Creates the registry's topics that do not exist yet, with their declared partition counts and cleanup
 * policy, and an explicit `max.message.bytes` (KAFKA_TOPIC_MAX_MESSAGE_BYTES): the outbox writer refuses
 * larger events at the door against this same figure, so it must not depend on the broker's default.
 * Safe to run from every app at boot and from several replicas at once.
 */
export async function ensureTopics<R extends TopicRegistry = typeof TOPICS>(
  kafka: Kafka,
  naming: TopicNaming,
  /** All of the registry's topics unless named. */
  only?: readonly (keyof R & string)[],
  /** KAFKA_REPLICATION_FACTOR, parsed by the app's configuration. */
  replicationFactor = 1,
  maxMessageBytes = DEFAULT_TOPIC_MAX_MESSAGE_BYTES,
  registry: R = TOPICS as unknown as R,
): Promise<string[]> {
  const topics = only ?? (Object.keys(registry) as (keyof R & string)[]);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(naming.physical(t)));
    if (missing.length === 0) {
      await waitForPartitionLeaders(admin, topics.map((t) => naming.physical(t)));
      return [];
    }
    try {
      await admin.createTopics({
        // Not kafkajs's own wait: it retries only LEADER_NOT_AVAILABLE and throws on the UNKNOWN_TOPIC_OR_PARTITION
        // a fresh KRaft broker answers for a moment after creating many topics at once (seen in a fresh-clone
        // run); waitForPartitionLeaders below waits through both.
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic: naming.physical(topic),
          numPartitions: registry[topic]!.partitions,
          replicationFactor,
          configEntries: [
            { name: 'max.message.bytes', value: String(maxMessageBytes) },
            ...(registry[topic]!.compacted
              ? [
                  { name: 'cleanup.policy', value: 'compact' },
                  { name: 'min.cleanable.dirty.ratio', value: '0.1' },
                ]
              : []),
          ],
        })),
      });
    } catch (error) {
      // Another replica may have created them between our list and create; that is fine.
      if (!/already exists/i.test(String((error as Error).message))) throw error;
    }
    await waitForPartitionLeaders(admin, topics.map((t) => naming.physical(t)));
    return missing.map((t) => naming.physical(t));
  } finally {
    await admin.disconnect();
  }
}

/**
 * `createTopics({ waitForLeaders })` returns when the controller has leaders, but a freshly formatted
 * KRaft broker can still answer a metadata request with UNKNOWN_TOPIC_OR_PARTITION for a moment (seen
 * in CI: a consumer's subscribe failed with "This server does not host this topic-partition" right
 * after boot). Waiting here until every partition of every topic reports a leader makes the first
 * subscribe and produce deterministic.
 */
async function waitForPartitionLeaders(admin: Admin, topics: string[], timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const ready =
        metadata.length === topics.length &&
        metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `topics ${topics.join(', ')} have no partition leaders after ${timeoutMs} ms` +
      (lastError ? `: ${(lastError as Error).message}` : ''),
  );
}
