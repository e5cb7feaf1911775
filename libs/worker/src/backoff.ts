/**
 * How a retry delay is spread around the capped exponential `ceiling = min(maxMs, baseMs * 2^(attempt-1))`
 * (names from the AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * - `full`: uniform in [0, ceiling). Spreads retries the most; may retry at once.
 * - `equal`: ceiling/2 + uniform in [0, ceiling/2]. Never (close to) zero, so a failing loop cannot spin.
 * - `none`: the ceiling itself (a fixed or purely exponential wait).
 */
export type Jitter = 'full' | 'equal' | 'none';

export interface Backoff {
  baseMs: number;
  maxMs: number;
  jitter: Jitter;
}

/** min(maxMs, baseMs * 2^(attempt-1)); `attempt` starts at 1 (lower counts as 1). */
export function backoffCeilingMs(attempt: number, baseMs: number, maxMs: number): number {
  // 2 ** huge is Infinity, which min() caps: no overflow for any attempt count.
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The one retry-delay formula: delay before retry number `attempt` (1 = after the first failure). */
export function delayBeforeRetryMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(attempt, backoff.baseMs, backoff.maxMs);
  switch (backoff.jitter) {
    case 'full':
      return Math.floor(random() * ceiling);
    case 'equal':
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    case 'none':
      return ceiling;
  }
}
