import type { Logger, Metrics } from '@labsync/observability';
import { quoteIdent } from '@labsync/persistence';
import type { Message, Producer } from 'kafkajs';
import { Client, type Notification } from 'pg';
import { TopicNaming } from '../kafka/kafka-client';
import { outboxChannel } from './messaging-tables.migration';

export interface OutboxRelayOptions {
  databaseUrl: string;
  schema: string;
  producer: Producer;
  naming: TopicNaming;
  logger: Logger;
  metrics: Metrics;
  batchSize?: number;
  /** A safety net only: the relay is woken by NOTIFY on commit; this bounds the wait if a notification is lost. */
  idleRecheckMs?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  envelope: unknown;
  created_at: Date;
}


/**
 * Publishes the app's outbox to Kafka in commit order and deletes what Kafka acknowledged.
 *
 * One relay per schema is active at a time (a Postgres advisory lock elects it), which keeps per-key order
 * across replicas; the others wait to take over. A crash between "Kafka acknowledged" and "row deleted"
 * publishes the event again on restart: delivery is at least once, consumers are idempotent.
 */
export class OutboxRelay {
  private client: Client | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pendingWake = false;
  private readonly batchSize: number;
  private readonly idleRecheckMs: number;
  private readonly log: Logger;
  private readonly published;
  private readonly failures;
  private readonly leader;
  private readonly lag;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.idleRecheckMs = options.idleRecheckMs ?? 1000;
    this.log = options.logger.child({ component: 'outbox-relay' });
    this.published = options.metrics.counter('labsync_outbox_published_total', 'Events the outbox relay published', ['topic']);
    this.failures = options.metrics.counter('labsync_outbox_publish_failures_total', 'Failed outbox publish attempts');
    this.leader = options.metrics.gauge('labsync_outbox_relay_leader', '1 when this process is the active outbox relay');
    this.lag = options.metrics.histogram('labsync_outbox_lag_seconds', 'Time from outbox insert to Kafka acknowledgement', [], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = null;
  }

  /** Ask the relay to look at the outbox now (NOTIFY does this too; calling it is harmless). */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    let backoffMs = 200;
    while (this.running) {
      try {
        const client = await this.connect();
        if (!(await this.tryLead(client))) {
          await this.disconnect();
          await this.idle(2000);
          continue;
        }
        this.leader.set(1);
        this.log.info('outbox relay is the active publisher for this schema');
        backoffMs = 200;
        while (this.running) {
          const count = await this.publishBatch(client);
          if (count === 0) await this.idle(this.idleRecheckMs);
        }
      } catch (error) {
        this.failures.inc();
        this.leader.set(0);
        this.log.warn({ err: error }, `outbox relay paused, retrying in ${backoffMs} ms`);
        await this.disconnect();
        await this.idle(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
    this.leader.set(0);
    await this.disconnect();
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 5000, application_name: `outbox-relay:${this.options.schema}` });
    client.on('error', (error) => this.log.warn({ err: error }, 'outbox relay connection error'));
    client.on('notification', (_n: Notification) => this.wake());
    await client.connect();
    this.client = client;
    return client;
  }

  private async tryLead(client: Client): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      `labsync-outbox:${this.options.schema}`,
    ]);
    if (!rows[0]?.locked) return false;
    await client.query(`LISTEN "${outboxChannel(this.options.schema)}"`);
    return true;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async publishBatch(client: Client): Promise<number> {
    this.pendingWake = false;
    const table = `${quoteIdent(this.options.schema)}.outbox`;
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, topic, message_key, headers, envelope, created_at FROM ${table} ORDER BY id LIMIT $1`,
      [this.batchSize],
    );
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const topic = this.options.naming.physical(row.topic);
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: row.message_key, value: JSON.stringify(row.envelope), headers: row.headers });
      byTopic.set(topic, messages);
    }
    await this.options.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    await client.query(`DELETE FROM ${table} WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    const now = Date.now();
    for (const row of rows) {
      this.published.inc({ topic: row.topic });
      this.lag.observe((now - row.created_at.getTime()) / 1000);
    }
    return rows.length;
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}

