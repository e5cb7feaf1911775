import { portalPartnersFromEnv } from './config/portal-sim-config';
import type { ServiceDefinition } from '@labsync/service-runtime';
import { PortalSimTables1732300000001 } from './database/portal-sim-tables.migration';
import { PortalSimModule } from './portal-sim.module';

/** portal-sim, the stand-in partner portal: shared by main.ts and the tests that start it in-process. */
export const portalSimService: ServiceDefinition = {
  name: 'portal-sim',
  rootModule: PortalSimModule,
  loadConfig: (env) => portalPartnersFromEnv(env),
  // A stand-in takes whatever labsync sends it.
  bodyLimit: '1mb',
  database: {
    defaultSchema: 'portal_sim',
    // The repository runs its SQL through queryRows; no TypeORM entity is mapped.
    entities: [],
    migrations: [PortalSimTables1732300000001],
  },
};
