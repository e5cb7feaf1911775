import type { CorrelationSnapshot } from '@labsync/contracts';
import { TopicNaming, createKafka } from '@labsync/messaging';
import { createLogger } from '@labsync/observability';
import { startService, type RunningService } from '@labsync/service-runtime';
import {
  FakePortal,
  TEST_KAFKA_BROKERS,
  TestKafkaClients,
  dropSchemas,
  publishCorrelationSnapshots,
  serviceTestEnv,
  sql,
  uniqueSchema,
  uniqueTopicPrefix,
  type ServiceTestIsolation,
} from '@labsync/testing';
import { portalAdapter } from '../src/portal-adapter.definition';

/** A partner as PARTNERS lists it; the callback URL is the fake portal's when the suite has one. */
export interface TestPartner {
  id: string;
  apiKey: string;
  callbackSecret: string;
  callbackUrl?: string;
}

export interface PortalAdapterSuiteOptions {
  /** Names the schema, topic prefix and Kafka client of the run. */
  label: string;
  partners: TestPartner[];
  /** Started before the app and stopped after it; each partner's callbacks go to `<portal.url>/<partner id>`. */
  portal?: FakePortal;
  logLevel?: ServiceTestIsolation['logLevel'];
  /** The app's own variables for this suite (retry timings, operator key, limits). */
  settings?: Record<string, string>;
}

export const bearer = (partner: { apiKey: string }) => ({ authorization: `Bearer ${partner.apiKey}` });

/**
 * One portal-adapter run for an integration suite: its schema and topics, its replicas (in-process), and
 * the Kafka clients the suite plays the tracker's snapshots with and reads the app's events through.
 */
export class PortalAdapterUnderTest {
  readonly schema: string;
  readonly prefix: string;
  readonly naming: TopicNaming;
  readonly replicas: RunningService[] = [];
  private clients: TestKafkaClients | null = null;

  constructor(private readonly options: PortalAdapterSuiteOptions) {
    this.schema = uniqueSchema(options.label);
    this.prefix = uniqueTopicPrefix(options.label);
    this.naming = new TopicNaming(this.prefix);
  }

  /** Starts the portal (if any), one replica with the suite's settings, and the Kafka clients. */
  async start(): Promise<this> {
    await this.options.portal?.start();
    await this.startReplica();
    await this.connectKafka();
    return this;
  }

  /** The first replica (most suites have only this one). */
  get service(): RunningService {
    return this.replicas[0]!;
  }

  get url(): string {
    return this.service.url;
  }

  get kafka(): TestKafkaClients {
    if (!this.clients) throw new Error('connectKafka() first');
    return this.clients;
  }

  /** One more replica on the same schema and topics; `settings` add to (or override) the suite's. */
  async startReplica(settings: Record<string, string> = {}): Promise<RunningService> {
    const { partners, portal, logLevel, settings: suiteSettings } = this.options;
    const callbacks = portal ? partners.map((p) => ({ ...p, callbackUrl: `${portal.url}/${p.id}` })) : partners;
    const env = serviceTestEnv({ schema: this.schema, topicPrefix: this.prefix, logLevel }, { PARTNERS: JSON.stringify(callbacks), ...suiteSettings, ...settings });
    const replica = await startService(portalAdapter, env);
    this.replicas.push(replica);
    return replica;
  }

  async connectKafka(): Promise<void> {
    const clientId = `${this.options.label}-int`;
    this.clients = await TestKafkaClients.connect(createKafka({ brokers: TEST_KAFKA_BROKERS.split(','), clientId, topicPrefix: '' }, createLogger(clientId, 'warn')), this.naming);
  }

  publishSnapshots(snapshots: CorrelationSnapshot[]): Promise<void> {
    return publishCorrelationSnapshots(this.kafka.producer, this.naming, snapshots);
  }

  /** Rows of one of the app's tables (`where` with $1.. placeholders). */
  rows<T extends Record<string, unknown> = Record<string, unknown>>(table: string, where = 'true', values: unknown[] = []): Promise<T[]> {
    return sql<T>(`SELECT * FROM "${this.schema}".${table} WHERE ${where}`, values);
  }

  async count(table: string, where = 'true', values: unknown[] = []): Promise<number> {
    return Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${this.schema}".${table} WHERE ${where}`, values))[0]!.n);
  }

  /** The first sample of the first replica's /metrics matching `line` (NaN when there is none). */
  async metric(line: RegExp): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    return Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop());
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.replicas.map((r) => r.close()));
    await this.clients?.close();
    await this.options.portal?.stop();
    await dropSchemas([this.schema]);
  }
}
