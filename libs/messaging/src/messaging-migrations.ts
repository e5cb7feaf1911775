import type { MigrationInterface } from 'typeorm';
import { ConsumerAttempts1734100000000 } from './consumer/consumer-attempts.migration';
import { ProcessedEventsRetention1734200000000 } from './consumer/processed-events-retention.migration';
import { OutboxChannel1734000000000 } from './outbox/outbox-channel.migration';
import { MessagingTables1732100000000 } from './outbox/messaging-tables.migration';
import { OutboxParking1733100000000 } from './outbox/outbox-parking.migration';

/**
 * The kit's own tables (outbox, processed events, consumer attempts, parking) in every schema of an app that
 * declares `messaging`: the runtime runs these before the app's migrations, so an app lists only its own.
 */
export const MESSAGING_MIGRATIONS: readonly (new () => MigrationInterface)[] = [
  MessagingTables1732100000000,
  OutboxParking1733100000000,
  OutboxChannel1734000000000,
  ConsumerAttempts1734100000000,
  ProcessedEventsRetention1734200000000,
];
