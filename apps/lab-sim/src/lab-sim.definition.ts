import { labSimConfigFromEnv } from './config/lab-sim-config';
import type { ServiceDefinition } from '@labsync/service-runtime';
import { LabSimCatalog1735000100000 } from './database/lab-sim-catalog.migration';
import { LabSimChangeSequence1733000000000 } from './database/lab-sim-change-sequence.migration';
import { LabSimCustomers1735000100001 } from './database/lab-sim-customers.migration';
import { LabSimTables1732300000000 } from './database/lab-sim-tables.migration';
import { LabSimModule } from './lab-sim.module';

/** lab-sim, the stand-in LIMS: shared by main.ts and the tests that start it in-process. */
export const labSimService: ServiceDefinition = {
  name: 'lab-sim',
  rootModule: LabSimModule,
  loadConfig: (env) => labSimConfigFromEnv(env),
  // A stand-in takes whatever labsync sends it (orders as large as the test requests they came from).
  bodyLimit: '1mb',
  database: {
    defaultSchema: 'lab_sim',
    // CDC needs wal_level=logical where lab-sim's tables are: they may live in a database of their own.
    urlVariable: 'LAB_SIM_DATABASE_URL',
    migrations: [LabSimTables1732300000000, LabSimChangeSequence1733000000000, LabSimCatalog1735000100000, LabSimCustomers1735000100001],
  },
};
