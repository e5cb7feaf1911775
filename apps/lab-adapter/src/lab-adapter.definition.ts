import { labInboxRetention } from './lab-webhooks/lab-inbox-retention';
import { loadLabAdapterAppConfig } from './config/lab-adapter-config';
import type { ServiceDefinition } from '@labsync/service-runtime';
import { AppModule } from './app.module';
import { LabAdapterTables1732400000000 } from './database/lab-adapter-tables.migration';
import { LabPollWatermark1733000000000 } from './database/lab-poll-watermark.migration';
import { LabResultAdmission1733600000000 } from './database/lab-result-admission.migration';
import { LabDispatchChannel1734000100000 } from './database/lab-dispatch-channel.migration';
import { CatalogSyncCapture1736100000000 } from './database/catalog-sync-capture.migration';

/** The lab-facing side of labsync: dispatches requests to the lab, receives the lab's webhooks. */
export const labAdapterService: ServiceDefinition = {
  name: 'lab-adapter',
  rootModule: AppModule,
  loadConfig: loadLabAdapterAppConfig,
  database: {
    defaultSchema: 'lab_adapter',
    migrations: [LabAdapterTables1732400000000, LabPollWatermark1733000000000, LabResultAdmission1733600000000, LabDispatchChannel1734000100000, CatalogSyncCapture1736100000000],
  },
  messaging: { consumerGroup: 'lab-adapter' },
  retention: labInboxRetention,
  bodyLimits: { LAB_WEBHOOK_BODY_LIMIT: '16kb' },
};
