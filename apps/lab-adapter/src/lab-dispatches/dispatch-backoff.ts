import { backoffDelayMs } from '@labsync/messaging';

export interface DispatchRetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before the next lab call of a dispatch that has failed `attempts` times (1 = first failure):
 * exponential, capped at maxDelayMs, with jitter so that a lab coming back is not hit by every queued
 * order in the same instant.
 */
export function dispatchRetryDelayMs(attempts: number, policy: DispatchRetryPolicy, random: () => number = Math.random): number {
  return backoffDelayMs(Math.max(1, attempts), policy.baseDelayMs, policy.maxDelayMs, random);
}
