import { intFromEnv, parseEnv } from '@labsync/configuration';
import { z } from 'zod';

/** Injection token of the lab polling settings, parsed once at boot. */
export const LAB_POLLING_CONFIG = Symbol('LAB_POLLING_CONFIG');

/**
 * How this deployment learns about the lab's changes. One lab-adapter deployment serves one lab, so the mode
 * is chosen per lab by the deployment's environment. Webhooks are accepted in both modes (a change that comes
 * both ways is stored once: event ids are the lab's).
 */
const labPollingEnvSchema = z.object({
  /** webhook: the lab POSTs its changes to /v1/lab/events. polling: we read GET {LAB_BASE_URL}/api/orders/changes. */
  LAB_EVENTS_MODE: z.enum(['webhook', 'polling']).default('webhook'),
  /** Wait between two polls when the last page was not full (a full page is followed at once by the next). */
  LAB_POLL_INTERVAL_MS: intFromEnv(1000),
  /** Changes asked for per poll (the lab's `limit`). */
  LAB_POLL_PAGE_SIZE: intFromEnv(200).pipe(z.number().max(1000)),
  /** Cap of the exponential backoff while the lab is down or answers errors. */
  LAB_POLL_MAX_BACKOFF_MS: intFromEnv(10000),
});

export type LabEventsMode = 'webhook' | 'polling';

export interface LabPollingConfig {
  mode: LabEventsMode;
  intervalMs: number;
  pageSize: number;
  maxBackoffMs: number;
}

export function labPollingConfigFromEnv(env: NodeJS.ProcessEnv): LabPollingConfig {
  const parsed = parseEnv(labPollingEnvSchema, env);
  return {
    mode: parsed.LAB_EVENTS_MODE,
    intervalMs: parsed.LAB_POLL_INTERVAL_MS,
    pageSize: parsed.LAB_POLL_PAGE_SIZE,
    maxBackoffMs: parsed.LAB_POLL_MAX_BACKOFF_MS,
  };
}
