import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from './unique-names';

/** Where one in-process app under test keeps its data: its own schema and topic prefix, so suites never meet. */
export interface ServiceTestIsolation {
  schema: string;
  topicPrefix: string;
  /** Quiet by default: suites that fail calls on purpose pass 'fatal' or 'error'. */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
}

/**
 * The environment `startService(definition, env)` gets in an integration spec: the test database and
 * broker, the suite's schema and prefix, a port the OS picks, and the app's own `settings` on top.
 */
export function serviceTestEnv({ schema, topicPrefix, logLevel = 'warn' }: ServiceTestIsolation, settings: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: TEST_DATABASE_URL,
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    DB_SCHEMA: schema,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: logLevel,
    NODE_ENV: 'test',
    ...settings,
  };
}
