import { z } from 'zod';

/** The faults lab-sim can be told to inject (`POST /sim/faults`). */
export const LabFaultsSchema = z.object({
  /** Delay added before every `/api/*` answer. */
  latencyMs: z.number().int().min(0).max(120_000),
  /** Share of `/api/*` requests answered 503 before anything is done (0 to 1). */
  errorRate: z.number().min(0).max(1),
  /** Outage: every `/api/*` request is answered 503 (`/sim/*` and `/health/*` keep working). */
  down: z.boolean(),
  /** Every webhook is sent twice, with the same event id. */
  duplicateWebhooks: z.boolean(),
  /** Webhooks of one order are sent in swapped pairs (a lone one goes after a short hold). */
  reorderWebhooks: z.boolean(),
});
export type LabFaults = z.infer<typeof LabFaultsSchema>;

/** A partial update; unknown fields are refused so a typo does not silently inject nothing. */
export const LabFaultsPatchSchema = LabFaultsSchema.partial().strict();
export type LabFaultsPatch = z.infer<typeof LabFaultsPatchSchema>;

export const NO_FAULTS: Readonly<LabFaults> = Object.freeze({ latencyMs: 0, errorRate: 0, down: false, duplicateWebhooks: false, reorderWebhooks: false });

export type ApiFaultDecision = { delayMs: number; fail: null | 'down' | 'error' };

/**
 * What happens to one `/api/*` request: an outage answers at once; otherwise the request waits `latencyMs`
 * and then, with probability `errorRate`, fails. `random` is injectable so tests can decide the draw.
 */
export function decideApiFault(faults: Pick<LabFaults, 'latencyMs' | 'errorRate' | 'down'>, random: () => number = Math.random): ApiFaultDecision {
  if (faults.down) return { delayMs: 0, fail: 'down' };
  const fail = faults.errorRate > 0 && random() < faults.errorRate ? 'error' : null;
  return { delayMs: faults.latencyMs, fail };
}
