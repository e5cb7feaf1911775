import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from './unique-names';
import { freePort } from './free-port';

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

/**
 * The environment of a stand-in (portal-sim, lab-sim) started in-process: the test database and the
 * suite's schema, a free port, its own `settings`; no Kafka (stand-ins have none) and nothing inherited.
 */
export async function standInTestEnv(schema: string, logLevel: NonNullable<ServiceTestIsolation['logLevel']>, settings: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  return {
    DATABASE_URL: TEST_DATABASE_URL,
    DB_SCHEMA: schema,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: logLevel,
    NODE_ENV: 'test',
    ...settings,
  };
}
