import { delayBeforeRetryMs } from '@labsync/worker';

export interface PollTiming {
  intervalMs: number;
  pageSize: number;
  maxBackoffMs: number;
}

export type PollResult = { kind: 'page'; received: number; held: boolean } | { kind: 'failed'; consecutiveFailures: number };

/**
 * How long the poller waits before its next read: none after a full page (the lab has more), the interval
 * after a partial one, exponential backoff with equal jitter (from the interval up to the cap) while the lab fails
 * or a change is held back as invalid.
 */
export function nextPollDelayMs(result: PollResult, timing: PollTiming, random: () => number = Math.random): number {
  if (result.kind === 'failed') return delayBeforeRetryMs(result.consecutiveFailures, { baseMs: timing.intervalMs, maxMs: Math.max(timing.intervalMs, timing.maxBackoffMs), jitter: 'equal' }, random);
  if (result.held) return Math.max(timing.intervalMs, timing.maxBackoffMs);
  return result.received >= timing.pageSize ? 0 : timing.intervalMs;
}
