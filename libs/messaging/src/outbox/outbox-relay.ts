import type { Logger, Metrics } from '@labsync/observability';
import { Partitioners, type Admin, type Kafka, type PartitionMetadata, type Producer } from 'kafkajs';
import { AdvisoryLeadership, WorkerLoop } from '@labsync/worker';
import type { Client } from 'pg';
import { TopicNaming, createIdempotentProducer } from '../kafka/kafka-client';
import { outboxChannel } from './messaging-tables.migration';
import { planChunks, type Chunk, type PlannedRecord } from './outbox-chunks';
import { OutboxStore, type OutboxRow, type ParkOrder } from './outbox-store';
import { classifyPublishFailure, failureReason } from './publish-errors';
import { DEFAULT_OUTBOX_MAX_BATCH_BYTES, DEFAULT_TOPIC_MAX_MESSAGE_BYTES, maxRecordBytesFor, recordBytes } from './record-size';

export interface OutboxRelayOptions {
  databaseUrl: string;
  schema: string;
  kafka: Kafka;
  /** A fresh producer each call: the relay recreates its producer after any failed send (see below). */
  producerFactory?: () => Producer;
  naming: TopicNaming;
  logger: Logger;
  metrics: Metrics;
  /** Rows read per round. */
  batchSize?: number;
  /** Byte budget of one produce request (OUTBOX_MAX_BATCH_BYTES); below the topics' max.message.bytes. */
  maxBatchBytes?: number;
  /** A record larger than this is parked without being sent (the topic would refuse it). */
  maxRecordBytes?: number;
  /** Started attempts after which a row is parked (OUTBOX_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** How long the relay may keep failing before readiness says so (OUTBOX_UNHEALTHY_AFTER_MS). */
  unhealthyAfterMs?: number;
  /** A safety net only: the relay is woken by NOTIFY on commit; this bounds the wait if a notification is lost. */
  idleRecheckMs?: number;
}

interface Prepared extends PlannedRecord {
  row: OutboxRow;
  /** Null for a tombstone (an entity delete's second record). */
  value: string | null;
}

/** A row whose envelope is JSON null is a tombstone (see OutboxWriter.addEntityDeletion). */
const recordValue = (row: OutboxRow): string | null => (row.envelope === null ? null : JSON.stringify(row.envelope));

/**
 * Publishes the app's outbox to Kafka in commit order and deletes exactly what Kafka acknowledged.
 *
 * One relay per schema is active at a time (a Postgres advisory lock elects it), which keeps per-key order
 * across replicas. A crash between "Kafka acknowledged" and "row deleted" publishes the event again on
 * restart: delivery is at least once, consumers are idempotent.
 *
 * What kafkajs 2.2.4 does with idempotent sequence numbers after a failed produce (src/producer/
 * sendMessages.js): it advances the sequence of EVERY partition in the request before sending, and when
 * the request throws it subtracts them all again. The produce response throws on the first partition in
 * error (protocol/requests/produce/v3/response.js), so when one partition is refused (MESSAGE_TOO_LARGE)
 * the partitions the broker DID append get their sequences rolled back too. The next send to those
 * partitions reuses sequence numbers the broker has already seen: OUT_OF_ORDER_SEQUENCE_NUMBER on every
 * retry until the producer is recreated, or, when the new batch happens to span the same sequence range as
 * a cached one, the broker answers "duplicate" with the old offset and the NEW records are never written
 * although the send succeeded (the "deleted from the outbox but not on the topic" loss). A timeout after the
 * broker appended rolls back too, with the same effect.
 * Hence: one topic-partition per produce request (a failure means that partition's batch was not appended,
 * or is unknown), rows deleted per acknowledged request only, stop at the first failure (per-key order),
 * and a NEW producer (new producer id, sequences from 0) after any failure, before anything is retried.
 */
export class OutboxRelay {
  private readonly loop: WorkerLoop;
  private producer: Producer | null = null;
  private admin: Admin | null = null;
  private readonly partitions = new Map<string, PartitionMetadata[]>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly store: OutboxStore;
  private failingSince: number | null = null;
  private lastFailure = '';
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly maxRecordBytes: number;
  private readonly maxAttempts: number;
  private readonly unhealthyAfterMs: number;
  private readonly idleRecheckMs: number;
  private readonly producerFactory: () => Producer;
  private readonly log: Logger;
  private readonly published;
  private readonly failures;
  private readonly parked;
  private readonly leader;
  private readonly healthy;
  private readonly oldest;
  private readonly lag;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_OUTBOX_MAX_BATCH_BYTES;
    this.maxRecordBytes = options.maxRecordBytes ?? maxRecordBytesFor(DEFAULT_TOPIC_MAX_MESSAGE_BYTES);
    this.maxAttempts = options.maxAttempts ?? 5;
    this.unhealthyAfterMs = options.unhealthyAfterMs ?? 30000;
    this.idleRecheckMs = options.idleRecheckMs ?? 1000;
    this.producerFactory = options.producerFactory ?? (() => createIdempotentProducer(options.kafka));
    this.store = new OutboxStore(options.schema);
    this.log = options.logger.child({ component: 'outbox-relay' });
    const m = options.metrics;
    this.published = m.counter('labsync_outbox_published_total', 'Events the outbox relay published', ['topic']);
    this.failures = m.counter('labsync_outbox_publish_failures_total', 'Failed outbox publish attempts', ['kind']);
    this.parked = m.counter('labsync_outbox_parked_total', 'Outbox rows moved to outbox_parked (never published; see GET /v1/operator/outbox/parked)', ['topic', 'reason']);
    this.leader = m.gauge('labsync_outbox_relay_leader', '1 when this process is the active outbox relay');
    this.healthy = m.gauge('labsync_outbox_relay_healthy', '0 when the active outbox relay has kept failing for OUTBOX_UNHEALTHY_AFTER_MS');
    this.oldest = m.gauge('labsync_outbox_oldest_pending_seconds', 'Age of the oldest event waiting in the outbox (seen by the active relay)');
    this.lag = m.histogram('labsync_outbox_lag_seconds', 'Time from outbox insert to Kafka acknowledgement', [], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    this.healthy.set(1);
    const lock = new AdvisoryLeadership({
      databaseUrl: options.databaseUrl,
      lockKey: `labsync-outbox:${options.schema}`,
      applicationName: `outbox-relay:${options.schema}`,
      log: this.log,
      // Every round queries the leader connection; a dead one throws there.
      checkHeldConnection: false,
      onLead: async (client) => {
        client.on('notification', () => this.wake());
        await client.query(`LISTEN "${outboxChannel(options.schema)}"`);
      },
      onChange: (leading) => {
        this.leader.set(leading ? 1 : 0);
        if (leading) this.log.info('outbox relay is the active publisher for this schema');
      },
    });
    this.loop = new WorkerLoop({
      name: 'outbox-relay',
      run: async ({ leaderClient }) => {
        const { processed, failed } = await this.publishRound(leaderClient!);
        if (failed) return 'failed';
        return processed === 0 ? undefined : 'more';
      },
      idleRecheckMs: this.idleRecheckMs,
      backoff: { baseMs: 200, maxMs: 5000, jitter: 'equal' },
      // New commits must not turn a failing relay into a hot loop.
      wakeDuringBackoff: false,
      leadership: { lock, standbyMs: 2000 },
      onFailure: (error, _failures, retryInMs) => {
        // A failed publish was noted by afterFailure; a thrown error is the database (or reaching it).
        if (error === undefined) return;
        this.noteFailure('database', failureReason(error));
        this.log.warn({ err: error }, `outbox relay paused, retrying in ${retryInMs} ms`);
      },
      log: this.log,
      metrics: options.metrics,
    });
  }

  /** Null while publishing works; an error naming the last failure once it has kept failing too long. */
  get failure(): Error | null {
    if (this.failingSince === null || Date.now() - this.failingSince < this.unhealthyAfterMs) return null;
    this.healthy.set(0);
    return new Error(`outbox relay failing for ${Math.round((Date.now() - this.failingSince) / 1000)} s: ${this.lastFailure}`);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.dropProducer();
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  /** Ask the relay to look at the outbox now (NOTIFY does this too; calling it is harmless). */
  wake(): void {
    this.loop.wake();
  }

  /** One pass over the head of the outbox. Database errors throw; publish failures are handled here. */
  private async publishRound(client: Client): Promise<{ processed: number; failed: boolean }> {
    const rows = await this.store.head(client, this.batchSize);
    if (rows.length === 0) {
      this.oldest.set(0);
      this.noteSuccess();
      return { processed: 0, failed: false };
    }
    this.oldest.set((Date.now() - rows[0]!.created_at.getTime()) / 1000);

    const toPark: (ParkOrder & { topic: string })[] = [];
    const sendable: OutboxRow[] = [];
    for (const row of rows) {
      const bytes = recordBytes(row.message_key, recordValue(row) ?? '', row.headers);
      if (bytes > this.maxRecordBytes) toPark.push({ id: row.id, topic: row.topic, bytes, reason: `record of ${bytes} bytes exceeds the limit of ${this.maxRecordBytes}` });
      else if (row.attempts >= this.maxAttempts) toPark.push({ id: row.id, topic: row.topic, bytes, reason: `failed ${row.attempts} attempts` });
      else sendable.push(row);
    }
    if (toPark.length) await this.park(client, toPark);

    let prepared: Prepared[];
    let producer: Producer;
    try {
      prepared = await this.prepare(sendable);
      producer = await this.currentProducer();
    } catch (error) {
      await this.afterFailure(client, error, null);
      return { processed: toPark.length, failed: true };
    }
    let acked: Prepared[] = [];
    let processed = toPark.length;
    for (const chunk of planChunks(prepared, this.maxBatchBytes)) {
      const ids = chunk.records.map((r) => r.id);
      await this.store.startAttempt(client, ids);
      try {
        await producer.send({
          topic: chunk.topic,
          acks: -1,
          messages: chunk.records.map((r) => ({ key: r.row.message_key, value: r.value, headers: r.row.headers, partition: chunk.partition })),
        });
      } catch (error) {
        await this.deletePublished(client, acked);
        await this.afterFailure(client, error, chunk);
        return { processed: processed + acked.length, failed: true };
      }
      acked.push(...chunk.records);
      // Delete per ~batch budget rather than per chunk: fewer statements, and a crash only republishes.
      if (acked.length >= 100) {
        processed += acked.length;
        await this.deletePublished(client, acked);
        acked = [];
      }
    }
    await this.deletePublished(client, acked);
    this.noteSuccess();
    return { processed: processed + acked.length, failed: false };
  }

  private async prepare(rows: OutboxRow[]): Promise<Prepared[]> {
    const out: Prepared[] = [];
    for (const row of rows) {
      const topic = this.options.naming.physical(row.topic);
      const value = recordValue(row);
      const partitionMetadata = await this.partitionsOf(topic);
      const partition = this.partitioner({ topic, partitionMetadata, message: { key: row.message_key, value } });
      out.push({ id: row.id, topic, partition, bytes: recordBytes(row.message_key, value ?? '', row.headers), suspect: row.attempts > 0, row, value });
    }
    return out;
  }

  /** The partition kafkajs itself would pick (murmur2 of the key), so every producer agrees on per-key order. */
  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const known = this.partitions.get(topic);
    if (known) return known;
    if (!this.admin) {
      const admin = this.options.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
    this.partitions.set(topic, partitions);
    return partitions;
  }

  private async deletePublished(client: Client, acked: Prepared[]): Promise<void> {
    if (acked.length === 0) return;
    await this.store.deletePublished(client, acked.map((r) => r.id));
    const now = Date.now();
    for (const r of acked) {
      this.published.inc({ topic: r.row.topic });
      this.lag.observe((now - r.row.created_at.getTime()) / 1000);
    }
  }

  private async park(client: Client, orders: (ParkOrder & { topic: string })[]): Promise<void> {
    await this.store.park(client, orders);
    for (const o of orders) {
      this.parked.inc({ topic: o.topic, reason: o.reason.startsWith('record of') || o.reason.includes('TOO_LARGE') ? 'too-large' : 'attempts' });
      // Ids and sizes only: the envelope holds personal data.
      this.log.error({ outboxId: o.id, topic: o.topic, bytes: o.bytes, reason: o.reason }, 'outbox row parked: it will not be published until an operator re-queues it');
    }
  }

  private async afterFailure(client: Client, error: unknown, chunk: Chunk<Prepared> | null): Promise<void> {
    const kind = classifyPublishFailure(error);
    const reason = failureReason(error);
    this.noteFailure(kind, reason);
    this.log.warn({ err: error, kind, topic: chunk?.topic, partition: chunk?.partition, records: chunk?.records.length }, 'outbox publish failed; recreating the producer');
    if (chunk) {
      const ids = chunk.records.map((r) => r.id);
      if (kind === 'record' && chunk.records.length === 1) {
        const only = chunk.records[0]!;
        await this.park(client, [{ id: only.id, topic: only.row.topic, bytes: only.bytes, reason }]);
      } else {
        await this.store.recordFailure(client, ids, reason, kind === 'transient');
      }
    }
    this.partitions.clear();
    await this.dropProducer();
  }

  private noteFailure(kind: string, reason: string): void {
    this.failures.inc({ kind });
    this.failingSince ??= Date.now();
    this.lastFailure = reason;
    if (Date.now() - this.failingSince >= this.unhealthyAfterMs) this.healthy.set(0);
  }

  private noteSuccess(): void {
    this.failingSince = null;
    this.healthy.set(1);
  }

  private async currentProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.producerFactory();
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    if (producer) await producer.disconnect().catch(() => undefined);
  }
}
