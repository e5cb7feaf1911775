import { labInboxRetention } from './lab-webhooks/lab-inbox-retention';
import { loadLabAdapterAppConfig } from './config/lab-adapter-config';
import { ConsumerAttempts1734100000000, MessagingTables1732100000000, OutboxChannel1734000000000, OutboxParking1733100000000, ProcessedEventsRetention1734200000000 } from '@labsync/messaging';
import type { ServiceDefinition } from '@labsync/service-runtime';
import { AppModule } from './app.module';
import { LabAdapterTables1732400000000 } from './database/lab-adapter-tables.migration';
import { LabPollWatermark1733000000000 } from './database/lab-poll-watermark.migration';
import { LabResultAdmission1733600000000 } from './database/lab-result-admission.migration';
import { LabDispatchChannel1734000100000 } from './database/lab-dispatch-channel.migration';

/** The lab-facing side of labsync: dispatches requests to the lab, receives the lab's webhooks. */
export const labAdapterService: ServiceDefinition = {
  name: 'lab-adapter',
  rootModule: AppModule,
  loadConfig: loadLabAdapterAppConfig,
  database: {
    defaultSchema: 'lab_adapter',
    // Tables are read and written by the repositories' SQL (queryRows); no TypeORM entity maps them.
    entities: [],
    migrations: [MessagingTables1732100000000, OutboxParking1733100000000, ConsumerAttempts1734100000000, OutboxChannel1734000000000, ProcessedEventsRetention1734200000000, LabAdapterTables1732400000000, LabPollWatermark1733000000000, LabResultAdmission1733600000000, LabDispatchChannel1734000100000],
  },
  messaging: { consumerGroup: 'lab-adapter' },
  retention: labInboxRetention,
  bodyLimits: { LAB_WEBHOOK_BODY_LIMIT: '16kb' },
};
