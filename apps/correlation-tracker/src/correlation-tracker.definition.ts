import { loadTrackerConfig } from './tracker-config';
import type { ServiceDefinition } from '@labsync/service-runtime';
import { AppModule } from './app.module';
import { CorrelationTables1732400000000 } from './database/correlation-tables.migration';
import { StallWatch1732500000000 } from './database/stall-watch.migration';

export const definition: ServiceDefinition = {
  name: 'correlation-tracker',
  rootModule: AppModule,
  loadConfig: loadTrackerConfig,
  database: {
    defaultSchema: 'correlation_tracker',
    migrations: [CorrelationTables1732400000000, StallWatch1732500000000],
  },
  messaging: { consumerGroup: 'correlation-tracker' },
};

/**
 * The tracker's defaults for runtime settings (an explicit variable always wins):
 * CONSUMER_CHUNK_SIZE=1 — every handler row-locks its correlation until commit; with several events per
 * transaction, two partitions (different topics, same correlations) could lock in opposite orders and
 * deadlock, and the consumer would count the deadlock against the event and dead-letter it. One event per
 * transaction holds one row lock at a time, so no lock cycle can form.
 */
export const TRACKER_ENV_DEFAULTS: Readonly<Record<string, string>> = { CONSUMER_CHUNK_SIZE: '1' };

export function withTrackerDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const defaults = Object.fromEntries(Object.entries(TRACKER_ENV_DEFAULTS).filter(([name]) => !env[name]));
  return { ...env, ...defaults };
}
