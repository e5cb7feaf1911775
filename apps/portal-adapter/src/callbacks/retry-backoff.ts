import { delayBeforeRetryMs } from '@labsync/worker';

/**
 * Delay before the next callback attempt: exponential in the number of failed attempts, capped, with full
 * jitter (uniform between 0 and the cap of this attempt), so replicas retrying one portal spread out.
 * `failedAttempts` starts at 1.
 */
export function callbackRetryDelayMs(failedAttempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return delayBeforeRetryMs(failedAttempts, { baseMs, maxMs, jitter: 'full' }, random);
}

/** What follows a failed callback attempt: another try after a delay, or the dead-letter state. */
export type FailedAttemptOutcome = { kind: 'retry'; retryInMs: number } | { kind: 'dead' };

/**
 * After failed attempt number `failedAttempts` (counted since the delivery was queued or last replayed):
 * with CALLBACK_MAX_ATTEMPTS reached the delivery is dead-lettered, otherwise retried after `retryDelayMs()`.
 */
export function afterFailedAttempt(failedAttempts: number, maxAttempts: number, retryDelayMs: () => number): FailedAttemptOutcome {
  return failedAttempts >= maxAttempts ? { kind: 'dead' } : { kind: 'retry', retryInMs: retryDelayMs() };
}
