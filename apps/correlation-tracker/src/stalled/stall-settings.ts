import { nonNegativeIntFromEnv, parseEnv } from '@labsync/configuration';
import type { StallReason } from '@labsync/contracts';
import { z } from 'zod';

const HOUR_MS = 3_600_000;

const envSchema = z.object({
  /** RECEIVED or DISPATCHED this long without the lab's acceptance or rejection => STALLED (0: never). */
  STALL_ACCEPT_AFTER_MS: nonNegativeIntFromEnv(4 * HOUR_MS),
  /** Accepted, in progress or with partial results, and no progress from the lab this long => STALLED (0: never). */
  STALL_RESULTS_AFTER_MS: nonNegativeIntFromEnv(48 * HOUR_MS),
  /** How often each replica looks for overdue correlations. */
  STALL_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(60_000),
  /** Correlations marked per transaction. */
  STALL_SWEEP_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
});

export interface StallSettings {
  /** Per reason, how long the wait may last; reasons set to 0 are not watched. */
  overdueAfterMs: Record<StallReason, number>;
  sweepIntervalMs: number;
  batchSize: number;
}

export const STALL_SETTINGS = Symbol('STALL_SETTINGS');

/** Parsed once at boot; a wrong variable stops the app with a message naming it. */
export function loadStallSettings(env: NodeJS.ProcessEnv): StallSettings {
  const parsed = parseEnv(envSchema, env);
  return {
    overdueAfterMs: { 'lab-acceptance-overdue': parsed.STALL_ACCEPT_AFTER_MS, 'results-overdue': parsed.STALL_RESULTS_AFTER_MS },
    sweepIntervalMs: parsed.STALL_SWEEP_INTERVAL_MS,
    batchSize: parsed.STALL_SWEEP_BATCH_SIZE,
  };
}

/** The reasons the sweeper looks for (their limit is not 0). */
export function watchedReasons(settings: StallSettings): StallReason[] {
  return (Object.keys(settings.overdueAfterMs) as StallReason[]).filter((reason) => settings.overdueAfterMs[reason] > 0);
}
