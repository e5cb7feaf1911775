import { portalPartnersFromEnv } from './config/portal-sim-config';
import type { ServiceDefinition } from '@labsync/service-runtime';
import { PortalSimCatalogCopy1735000200000 } from './database/portal-sim-catalog-copy.migration';
import { PortalSimCustomers1735000200001 } from './database/portal-sim-customers.migration';
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
    migrations: [PortalSimTables1732300000001, PortalSimCatalogCopy1735000200000, PortalSimCustomers1735000200001],
  },
};
