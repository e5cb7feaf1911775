import { z } from 'zod';

/** The faults portal-sim can be told to inject on its callback endpoint (`POST /sim/faults`). */
export const PortalFaultsSchema = z.object({
  /** Delay before a callback is looked at (a slow portal). */
  latencyMs: z.number().int().min(0).max(120_000),
  /** Share of callbacks answered 503 without being recorded (0 to 1). */
  errorRate: z.number().min(0).max(1),
  /** Outage: every callback is answered 503 and not recorded (`/sim/*` and `/health/*` keep working). */
  down: z.boolean(),
});
export type PortalFaults = z.infer<typeof PortalFaultsSchema>;

export const PortalFaultsPatchSchema = PortalFaultsSchema.partial().strict();
export type PortalFaultsPatch = z.infer<typeof PortalFaultsPatchSchema>;

export const NO_FAULTS: Readonly<PortalFaults> = Object.freeze({ latencyMs: 0, errorRate: 0, down: false });

export type CallbackFaultDecision = { delayMs: number; fail: null | 'down' | 'error' };

/**
 * What happens to one callback: an outage answers at once; otherwise it waits `latencyMs` and then, with
 * probability `errorRate`, fails. A failed callback is never recorded. `random` is injectable for tests.
 */
export function decideCallbackFault(faults: PortalFaults, random: () => number = Math.random): CallbackFaultDecision {
  if (faults.down) return { delayMs: 0, fail: 'down' };
  const fail = faults.errorRate > 0 && random() < faults.errorRate ? 'error' : null;
  return { delayMs: faults.latencyMs, fail };
}
