import { labSimConfigFromEnv } from './config/lab-sim-config';
import type { ServiceDefinition } from '@labsync/service-runtime';
import { LabSimChangeSequence1733000000000 } from './database/lab-sim-change-sequence.migration';
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
    // Tables are read and written by the repositories' SQL (queryRows); no TypeORM entity maps them.
    entities: [],
    migrations: [LabSimTables1732300000000, LabSimChangeSequence1733000000000],
  },
};
