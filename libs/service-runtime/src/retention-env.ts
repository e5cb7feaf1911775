import { parseEnv } from '@labsync/configuration';
import { DEFAULT_PROCESSED_EVENTS_RETENTION_MS } from '@labsync/messaging';
import { z } from 'zod';

const HOUR_MS = 3_600_000;

// README "Retention": how often the pruner runs, how much one DELETE takes, how long processed_events keeps ids.
const retentionEnvSchema = z.object({
  RETENTION_INTERVAL_MS: z.coerce.number().int().min(1000).default(10 * 60_000),
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(1000),
  // Below an hour a consumer restarting after an outage could apply a redelivered event twice.
  PROCESSED_EVENTS_RETENTION_MS: z.coerce.number().int().min(HOUR_MS).default(DEFAULT_PROCESSED_EVENTS_RETENTION_MS),
});

export type RetentionEnv = z.infer<typeof retentionEnvSchema>;

export function parseRetentionEnv(env: NodeJS.ProcessEnv): RetentionEnv {
  return parseEnv(retentionEnvSchema, env);
}
