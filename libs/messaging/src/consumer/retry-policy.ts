import { delayBeforeRetryMs } from '@labsync/worker';

/**
 * Exponential backoff with equal jitter (half fixed, half random: never zero, and replicas retrying together
 * spread out), capped. `attempt` starts at 1.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return delayBeforeRetryMs(attempt, { baseMs, maxMs, jitter: 'equal' }, random);
}

export interface RetryPolicy {
  /** Handler attempts before a message is dead-lettered (infrastructure outages are retried without limit). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5000 };
