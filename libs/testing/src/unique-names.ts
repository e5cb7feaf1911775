import { randomBytes } from 'node:crypto';

/** A short id unique to this test run, usable in SQL identifiers and Kafka topic names. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** A Postgres schema name for one test (lower-case identifier). */
export function uniqueSchema(label: string): string {
  return `t_${label.replace(/[^a-z0-9_]/g, '_')}_${uniqueSuffix()}`.slice(0, 60);
}

/** A Kafka topic/group prefix for one test, so suites sharing the broker never see each other's records. */
export function uniqueTopicPrefix(label: string): string {
  return `t.${label.replace(/[^a-zA-Z0-9_-]/g, '-')}.${uniqueSuffix()}.`;
}

export const TEST_DATABASE_URL = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/labsync_test';
export const TEST_KAFKA_BROKERS = process.env['KAFKA_BROKERS'] || '127.0.0.1:9092';
