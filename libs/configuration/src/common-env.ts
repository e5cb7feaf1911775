import { z } from 'zod';
import { intFromEnv, nonNegativeIntFromEnv } from './parse-env';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/labsync';
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';

/**
 * Default ports of the contract; each overridable with PORT (or the app's own variable). Kept literal so that
 * ServiceName stays a checked union; tools/apps.spec.ts holds it equal to tools/apps.json, both ways.
 */
export const DEFAULT_PORTS = {
  'portal-adapter': 3000,
  'lab-adapter': 3001,
  'correlation-tracker': 3002,
  'portal-sim': 4000,
  'lab-sim': 4001,
} as const;
export type ServiceName = keyof typeof DEFAULT_PORTS;

export const nodeEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const httpEnvSchema = (service: ServiceName) =>
  z.object({
    /** 0 asks the OS for a free port (tests). */
    PORT: nonNegativeIntFromEnv(DEFAULT_PORTS[service]),
    /** Interface to listen on: loopback unless asked (a container sets HOST=0.0.0.0 to be reachable). */
    HOST: z.string().min(1).default('127.0.0.1'),
  });

export const databaseEnvSchema = (defaultSchema: string) =>
  z.object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .default(DEFAULT_DATABASE_URL),
    /** Postgres schema holding this app's tables; tests give every run its own. */
    DB_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
      .default(defaultSchema),
    DB_POOL_SIZE: intFromEnv(10),
  });

export type DatabaseEnv = z.infer<ReturnType<typeof databaseEnvSchema>>;

export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .default(DEFAULT_KAFKA_BROKERS)
    .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port')).min(1)),
  /** Prepended to every topic and consumer group name, so test runs (or tenants) never see each other. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'may contain only letters, digits, ".", "_" and "-"')
    .default(''),
  /** Replication factor of the topics an app creates at boot (topics that exist are left alone). */
  KAFKA_REPLICATION_FACTOR: intFromEnv(1),
});

