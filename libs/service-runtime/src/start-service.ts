import 'reflect-metadata';
import { Global, Module, type DynamicModule, type INestApplication, type InjectionToken, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  ConfigError,
  intFromEnv,
  type ConfigIssue,
  databaseEnvSchema,
  type DatabaseEnv,
  httpEnvSchema,
  kafkaEnvSchema,
  nodeEnvSchema,
  parseEnv,
  type ServiceName,
} from '@labsync/configuration';
import {
  MESSAGING_MIGRATIONS,
  DeadLetterPublisher,
  EventConsumer,
  KafkaEventTransport,
  OutboxRelay,
  OutboxWriter,
  TopicNaming,
  DEFAULT_OUTBOX_MAX_BATCH_BYTES,
  DEFAULT_TOPIC_MAX_MESSAGE_BYTES,
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  maxRecordBytesFor,
  processedEventsRetention,
} from '@labsync/messaging';
import { Metrics, PinoNestLogger, createLogger, type Logger } from '@labsync/observability';
import { RetentionPruner, createAppDataSource, ensureDatabase, initializeAndMigrate, redactUrl, type RetentionRule } from '@labsync/persistence';
import { parseRetentionEnv } from './retention-env';
import { DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';
import { z } from 'zod';
import { HealthController } from './health/health.controller';
import { READINESS_CHECKS, type ReadinessCheck } from './health/readiness';
import { BODY_SIZE, installJsonBodyParsing } from './http/body-parsing';
import { applyServerTimeouts, serverTimeoutsSchema } from './http/server-timeouts';
import { ProblemFilter } from './http/problem.filter';
import { installRequestContext } from './http/request-context';
import { APP_CONFIG, LOGGER, SERVICE_ENV } from './runtime-tokens';

export interface ServiceDefinition {
  name: ServiceName;
  /** The app's own root module (its features); the runtime adds health, metrics and infrastructure. */
  rootModule: Type<unknown>;
  database?: {
    defaultSchema: string;
    /** A variable of the app's own that, when set, replaces DATABASE_URL for this app only. */
    urlVariable?: string;
    /** TypeORM entities, for apps that map tables with them; labsync's apps use repositories over queryRows. */
    entities?: (Function | EntitySchema)[];
    migrations: (new () => MigrationInterface)[];
  };
  /** Apps on Kafka: publish through the outbox, and/or consume with `@ConsumeEvent` handlers. */
  messaging?: { consumerGroup: string };
  /** Largest body of a route without @BodyLimit (HTTP_BODY_LIMIT overrides it); 16kb when unset. */
  bodyLimit?: string;
  /** Body limits routes name with @BodyLimit('<VARIABLE>'): variable -> default size, read and validated at boot. */
  bodyLimits?: Record<string, string>;
  /**
   * The app's own configuration (what its Nest providers read from SERVICE_ENV), parsed first, before
   * Postgres or Kafka is touched, so a wrong variable stops the app at once with a ConfigError naming it.
   * Its result is provided as APP_CONFIG.
   */
  loadConfig?: (env: NodeJS.ProcessEnv) => unknown;
  /**
   * Expiry rules of the app's own bookkeeping tables (README "Retention"), read from env at boot like the rest
   * of the configuration; processed_events is added by the runtime for apps on Kafka.
   */
  retention?: (env: NodeJS.ProcessEnv, schema: string) => RetentionRule[];
}

export interface RunningService {
  app: INestApplication;
  name: ServiceName;
  url: string;
  port: number;
  logger: Logger;
  dataSource: DataSource | null;
  close(): Promise<void>;
}

const consumerTuningSchema = z.object({
  KAFKA_PARTITIONS_CONCURRENCY: intFromEnv(3),
  CONSUMER_CHUNK_SIZE: intFromEnv(100),
  CONSUMER_MAX_ATTEMPTS: intFromEnv(4),
  CONSUMER_HANDLER_TIMEOUT_MS: intFromEnv(30000).pipe(z.number().min(100)),
  KAFKA_CONNECT_TIMEOUT_MS: intFromEnv(60000),
  // The broker accepts 6 s .. 30 min (group.min/max.session.timeout.ms).
  KAFKA_SESSION_TIMEOUT_MS: intFromEnv(15000).pipe(z.number().min(6000).max(1_800_000)),
  HTTP_BODY_LIMIT: z.string().regex(BODY_SIZE).optional(),
});

// Outbox relay (README "Outbox relay"): batches sized by bytes below the topics' max.message.bytes.
const outboxEnvSchema = z.object({
  KAFKA_TOPIC_MAX_MESSAGE_BYTES: intFromEnv(DEFAULT_TOPIC_MAX_MESSAGE_BYTES).pipe(z.number().min(64 * 1024)),
  OUTBOX_MAX_BATCH_BYTES: intFromEnv(DEFAULT_OUTBOX_MAX_BATCH_BYTES).pipe(z.number().min(16 * 1024)),
  OUTBOX_MAX_ATTEMPTS: intFromEnv(5).pipe(z.number().min(1)),
  OUTBOX_UNHEALTHY_AFTER_MS: intFromEnv(30000),
});

function parseOutboxEnv(env: NodeJS.ProcessEnv): z.infer<typeof outboxEnvSchema> {
  const parsed = parseEnv(outboxEnvSchema, env);
  if (parsed.OUTBOX_MAX_BATCH_BYTES > maxRecordBytesFor(parsed.KAFKA_TOPIC_MAX_MESSAGE_BYTES)) {
    throw ConfigError.of('OUTBOX_MAX_BATCH_BYTES', 'OUTBOX_MAX_BATCH_BYTES must stay below KAFKA_TOPIC_MAX_MESSAGE_BYTES (less 1 KiB of batch overhead)');
  }
  return parsed;
}

function parseDatabaseEnv(database: NonNullable<ServiceDefinition['database']>, env: NodeJS.ProcessEnv): DatabaseEnv {
  const parsed = parseEnv(databaseEnvSchema(database.defaultSchema), env);
  const own = database.urlVariable;
  if (!own) return parsed;
  const override = parseEnv(z.object({ [own]: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional() }), env)[own] as string | undefined;
  return override ? { ...parsed, DATABASE_URL: override } : parsed;
}

/**
 * Every variable the runtime and the app read, parsed and validated at once. All problems of the runtime's
 * own schemas are reported together; the app's loadConfig runs after them (its errors name its variables).
 */
function loadServiceConfig(definition: ServiceDefinition, env: NodeJS.ProcessEnv) {
  const issues: ConfigIssue[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const base = attempt(() => parseEnv(nodeEnvSchema.extend(httpEnvSchema(definition.name).shape), env));
  const tuning = attempt(() => parseEnv(consumerTuningSchema, env));
  const outboxTuning = attempt(() => parseOutboxEnv(env));
  const timeouts = attempt(() => parseEnv(serverTimeoutsSchema, env));
  const bodyLimits = attempt(
    () => parseEnv(z.object(Object.fromEntries(Object.entries(definition.bodyLimits ?? {}).map(([name, size]) => [name, z.string().regex(BODY_SIZE).default(size)]))), env) as Record<string, string>,
  );
  const db = definition.database ? attempt(() => parseDatabaseEnv(definition.database!, env)) : undefined;
  const kafka = definition.messaging ? attempt(() => parseEnv(kafkaEnvSchema, env)) : undefined;
  const app = attempt(() => definition.loadConfig?.(env));
  const retention = attempt(() => parseRetentionEnv(env));
  const schema = db?.DB_SCHEMA;
  const retentionRules = schema
    ? attempt(() => [...(definition.messaging ? [processedEventsRetention(schema, retention?.PROCESSED_EVENTS_RETENTION_MS ?? 0)] : []), ...(definition.retention?.(env, schema) ?? [])])
    : [];
  if (issues.length || !base || !tuning || !outboxTuning || !timeouts || !bodyLimits || !retention || !retentionRules) throw new ConfigError(issues);
  return { base, tuning, outboxTuning, timeouts, bodyLimits, db, kafka, app, retention, retentionRules };
}

/** Kafka (or another dependency the boot waits for) did not answer within its wait. */
export class DependencyUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DependencyUnreachableError';
  }
}

/** Default size limit of a body; routes that take more say so with @BodyLimit. */
const DEFAULT_BODY_LIMIT = '16kb';

export interface StartServiceOptions {
  /**
   * Tests only: values that replace the providers of the same token, the app root module's (e.g. a lab
   * client) or the runtime's. Replaced like @nestjs/testing's overrideProvider, without a second bootstrap.
   */
  overrides?: { provide: InjectionToken; useValue: unknown }[];
}

/**
 * Starts one labsync app: validated configuration, JSON logs, Postgres (database created if missing, the
 * app's schema migrated), Kafka (topics ensured, outbox relay, consumer), HTTP with problem+json errors,
 * health, readiness and metrics. Used by every app's main.ts and by tests that run an app in-process.
 */
export async function startService(definition: ServiceDefinition, env: NodeJS.ProcessEnv = process.env, options: StartServiceOptions = {}): Promise<RunningService> {
  // Every variable is parsed here, before the first connection: a typo must not wait for migrations or for
  // KAFKA_CONNECT_TIMEOUT_MS to surface (issue 7).
  const config = loadServiceConfig(definition, env);
  const { base, tuning, outboxTuning, timeouts, bodyLimits } = config;
  const logger = createLogger(definition.name, base.LOG_LEVEL);
  const metrics = new Metrics(definition.name);
  const cleanup: (() => Promise<unknown>)[] = [];
  const readiness: ReadinessCheck[] = [];
  const providers: Provider[] = [
    { provide: LOGGER, useValue: logger },
    { provide: Metrics, useValue: metrics },
    { provide: SERVICE_ENV, useValue: env },
    { provide: APP_CONFIG, useValue: config.app },
    { provide: READINESS_CHECKS, useValue: readiness },
  ];

  try {
    let dataSource: DataSource | null = null;
    let pruner: RetentionPruner | null = null;
    let schema = '';
    let databaseUrl = '';
    if (definition.database && config.db) {
      const db = config.db;
      schema = db.DB_SCHEMA;
      databaseUrl = db.DATABASE_URL;
      await ensureDatabase(db.DATABASE_URL);
      dataSource = createAppDataSource({
        url: db.DATABASE_URL,
        schema,
        entities: definition.database.entities ?? [],
        // An app with messaging gets the kit's tables first; it lists only its own migrations.
        migrations: [...(definition.messaging ? MESSAGING_MIGRATIONS : []), ...definition.database.migrations],
        poolSize: db.DB_POOL_SIZE,
        applicationName: definition.name,
        queryErrors: logger.child({ component: 'database' }),
      });
      const applied = await initializeAndMigrate(dataSource);
      const ds = dataSource;
      cleanup.push(() => ds.destroy());
      if (applied.length) logger.info({ applied, schema }, 'migrations applied');
      logger.info({ database: redactUrl(db.DATABASE_URL), schema }, 'database ready');
      providers.push({ provide: DataSource, useValue: dataSource });
      readiness.push({ name: 'postgres', check: async () => void (await ds.query('SELECT 1')) });
      if (config.retentionRules.length) {
        const pruned = metrics.counter('labsync_retention_pruned_rows_total', 'Expired bookkeeping rows deleted by the retention pruner', ['table']);
        pruner = new RetentionPruner({
          dataSource,
          schema,
          rules: config.retentionRules,
          intervalMs: config.retention.RETENTION_INTERVAL_MS,
          batchSize: config.retention.RETENTION_BATCH_SIZE,
          onPruned: (table, rows) => pruned.inc({ table }, rows),
          log: logger.child({ component: 'retention' }),
          metrics,
        });
      }
    }

    let transport: KafkaEventTransport | null = null;
    let relay: OutboxRelay | null = null;
    if (definition.messaging) {
      if (!dataSource || !config.kafka) throw new Error(`${definition.name}: messaging needs a database (outbox and processed events)`);
      const kafkaEnv = config.kafka;
      const naming = new TopicNaming(kafkaEnv.KAFKA_TOPIC_PREFIX);
      const kafka = createKafka({ brokers: kafkaEnv.KAFKA_BROKERS, clientId: definition.name, topicPrefix: kafkaEnv.KAFKA_TOPIC_PREFIX }, logger);
      await retryUntil(() => ensureTopics(kafka, naming, undefined, kafkaEnv.KAFKA_REPLICATION_FACTOR, outboxTuning.KAFKA_TOPIC_MAX_MESSAGE_BYTES), tuning.KAFKA_CONNECT_TIMEOUT_MS, `Kafka at KAFKA_BROKERS=${kafkaEnv.KAFKA_BROKERS.join(',')}`, logger);
      const producer = createIdempotentProducer(kafka);
      await producer.connect();
      cleanup.unshift(() => producer.disconnect());
      const admin = kafka.admin();
      await admin.connect();
      cleanup.unshift(() => admin.disconnect());
      readiness.push({ name: 'kafka', check: async () => void (await admin.describeCluster()) });

      const maxRecordBytes = maxRecordBytesFor(outboxTuning.KAFKA_TOPIC_MAX_MESSAGE_BYTES);
      // The relay owns its producers (it recreates one after a failed send); the shared one is for dead letters.
      relay = new OutboxRelay({
        databaseUrl,
        schema,
        kafka,
        naming,
        logger,
        metrics,
        maxBatchBytes: outboxTuning.OUTBOX_MAX_BATCH_BYTES,
        maxRecordBytes,
        maxAttempts: outboxTuning.OUTBOX_MAX_ATTEMPTS,
        unhealthyAfterMs: outboxTuning.OUTBOX_UNHEALTHY_AFTER_MS,
      });
      const r = relay;
      readiness.push({
        name: 'outbox-relay',
        check: async () => {
          const failure = r.failure;
          if (failure) throw failure;
        },
      });
      const outbox = new OutboxWriter(schema, definition.name, maxRecordBytes);
      providers.push({ provide: OutboxWriter, useValue: outbox });

      const deadLetters = new DeadLetterPublisher(producer, naming, definition.name, logger, metrics);
      const ds = dataSource;
      const group = definition.messaging.consumerGroup;
      transport = new KafkaEventTransport(
        (handlers, tombstoneHandlers) =>
          new EventConsumer({
            kafka,
            naming,
            groupId: group,
            dataSource: ds,
            schema,
            handlers,
            tombstoneHandlers,
            handlerTimeoutMs: tuning.CONSUMER_HANDLER_TIMEOUT_MS,
            deadLetters,
            logger,
            metrics,
            partitionsConsumedConcurrently: tuning.KAFKA_PARTITIONS_CONCURRENCY,
            chunkSize: tuning.CONSUMER_CHUNK_SIZE,
            sessionTimeoutMs: tuning.KAFKA_SESSION_TIMEOUT_MS,
            retry: { maxAttempts: tuning.CONSUMER_MAX_ATTEMPTS, baseDelayMs: 100, maxDelayMs: 5000 },
          }),
      );
      const t = transport;
      readiness.push({
        name: 'consumer',
        check: async () => {
          const failure = t.unwrap<EventConsumer | null>()?.failure;
          if (failure) throw failure;
        },
      });
    }

    const overrides = options.overrides ?? [];
    const runtimeProviders = providers.map((p) => overrides.find((o) => o.provide === (p as { provide: unknown }).provide) ?? p);

    @Global()
    @Module({ providers: runtimeProviders, exports: runtimeProviders.map((p) => (p as { provide: unknown }).provide as string) })
    class LabsyncRuntimeModule {}

    // A dynamic module's providers are registered after the static ones, so one of the same token wins.
    const appModule: Type<unknown> | DynamicModule = overrides.length > 0 ? { module: definition.rootModule, providers: overrides } : definition.rootModule;
    const root: DynamicModule = {
      module: class LabsyncServiceRoot {},
      imports: [LabsyncRuntimeModule, TerminusModule.forRoot({ logger: false }), appModule],
      controllers: [HealthController],
    };
    const app = await NestFactory.create(root, { bodyParser: false, logger: new PinoNestLogger(logger), abortOnError: false });
    installRequestContext(app, metrics);
    installJsonBodyParsing(app, tuning.HTTP_BODY_LIMIT ?? definition.bodyLimit ?? DEFAULT_BODY_LIMIT, bodyLimits);
    app.useGlobalFilters(new ProblemFilter(logger));
    if (transport) app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
    await app.init();
    if (transport) await app.startAllMicroservices();
    relay?.start();
    pruner?.start();
    applyServerTimeouts(app.getHttpServer(), timeouts);
    await app.listen(base.PORT, base.HOST);
    const address = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    logger.info({ url }, `${definition.name} listening`);

    let closing: Promise<void> | null = null;
    return {
      app,
      name: definition.name,
      url,
      port: address.port,
      logger,
      dataSource,
      close: () => {
        // Stop taking HTTP and Kafka work first, then flush the outbox, then let go of Kafka and Postgres.
        closing ??= (async () => {
          await app.close();
          await pruner?.stop();
          await relay?.stop();
          for (const step of cleanup) await step().catch((error) => logger.warn({ err: error }, 'shutdown step failed'));
          logger.info(`${definition.name} stopped`);
          logger.flush();
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const step of cleanup) await step().catch(() => undefined);
    throw error;
  }
}

async function retryUntil<T>(fn: () => Promise<T>, timeoutMs: number, what: string, logger: Logger): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) {
        throw new DependencyUnreachableError(`${what} is not reachable after ${Math.round(timeoutMs / 1000)} s (${(error as Error).message})`);
      }
      if (attempt === 1) logger.warn({ err: error }, `waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * attempt)));
    }
  }
}
