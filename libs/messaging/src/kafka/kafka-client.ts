import { Kafka, Partitioners, logLevel, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from '@labsync/observability';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic and group name (test isolation, multi-tenant clusters). */
  topicPrefix: string;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The only place labsync constructs a kafkajs client. kafkajs has had no release since 2023; keeping it
 * behind this lib means swapping the client touches no app.
 */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    // About 50 s of reconnecting (200 ms doubling to 5 s, 14 times) before an operation fails. A consumer
    // whose retries run out crashes and kafkajs restarts it as a *new* group member, while the old member
    // could not leave (the broker was down) and holds the group's rebalance until its session times out.
    // With this budget a consumer rides out a broker restart as the same member and resumes at once.
    retry: { initialRetryTime: 200, retries: 14, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        // kafkajs logs every transient reconnect as ERROR; labsync retries those itself, so they are warnings.
        const method = LEVELS[level] === 'error' ? 'warn' : (LEVELS[level] ?? 'info');
        kafkaLogger[method]({ ...extra }, message);
      },
  });
}

export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export class TopicNaming {
  constructor(private readonly prefix: string) {}
  physical(logical: string): string {
    return `${this.prefix}${logical}`;
  }
  logical(physical: string): string {
    return this.prefix && physical.startsWith(this.prefix) ? physical.slice(this.prefix.length) : physical;
  }
  group(name: string): string {
    return `${this.prefix}${name}`;
  }
}
