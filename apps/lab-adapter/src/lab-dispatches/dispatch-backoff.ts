import { delayBeforeRetryMs } from '@labsync/worker';

export interface DispatchRetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before the next lab call of a dispatch that has failed `attempts` times (1 = first failure):
 * exponential, capped at maxDelayMs, with equal jitter (half fixed, half random) so that a lab coming back
 * is not hit by every queued order in the same instant, and no retry is immediate.
 */
export function dispatchRetryDelayMs(attempts: number, policy: DispatchRetryPolicy, random: () => number = Math.random): number {
  return delayBeforeRetryMs(attempts, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: 'equal' }, random);
}
