/** Exponential backoff with full jitter, capped. `attempt` starts at 1. */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half random: never zero, and replicas retrying together spread out.
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export interface RetryPolicy {
  /** Handler attempts before a message is dead-lettered (infrastructure outages are retried without limit). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5000 };
