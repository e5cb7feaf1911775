import { olderThan, type RetentionRule } from '@labsync/persistence';

/** Default PROCESSED_EVENTS_RETENTION_MS: 7 days. */
export const DEFAULT_PROCESSED_EVENTS_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * processed_events only has to remember an event id as long as the event can be delivered again: a
 * redelivery after a rebalance or crash comes within seconds or minutes, a producer's retry within its
 * delivery timeout. The retention must exceed the longest redelivery an operator allows (a consumer group
 * reset to an older offset, a replay of the topic), since an event older than it would be applied again.
 */
export function processedEventsRetention(schema: string, retentionMs: number): RetentionRule {
  return olderThan(schema, 'processed_events', 'processed_at', retentionMs);
}
