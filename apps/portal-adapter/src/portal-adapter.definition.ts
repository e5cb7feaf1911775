import { loadPortalAdapterConfig } from './config/portal-adapter-config';
import type { ServiceDefinition } from '@labsync/service-runtime';
import { AppModule } from './app.module';
import { CallbackDeadLetters1732500000000 } from './database/callback-dead-letters.migration';
import { PortalAdapterTables1732400000000 } from './database/portal-adapter-tables.migration';
import { SyncAnswers1732600000000 } from './database/sync-answers.migration';
import { UnconfirmedRequests1732700000000 } from './database/unconfirmed-requests.migration';

/** The partner-facing API: accepts test requests, answers status queries, pushes callbacks to portals. */
export const portalAdapter: ServiceDefinition = {
  name: 'portal-adapter',
  rootModule: AppModule,
  loadConfig: (env) => loadPortalAdapterConfig(env),
  database: {
    defaultSchema: 'portal_adapter',
    migrations: [PortalAdapterTables1732400000000, CallbackDeadLetters1732500000000, SyncAnswers1732600000000, UnconfirmedRequests1732700000000],
  },
  messaging: { consumerGroup: 'portal-adapter' },
  // A test request may carry many samples; every other route takes the small default.
  bodyLimits: { TEST_REQUEST_BODY_LIMIT: '512kb' },
};
