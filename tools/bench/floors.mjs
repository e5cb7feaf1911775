// The floors the pipeline is compared against, measured in the same run on the same broker and database:
// - Kafka: a raw kafkajs producer (configured like the apps': idempotent, acks=all, one request in flight,
//   messages batched by a sender loop the way the outbox relay batches rows) and a raw consumer (like the
//   apps': maxWaitTimeInMs 250, three partitions in parallel) on a 6-partition topic, like the pipeline's.
// - Postgres: single-row INSERTs (autocommit, so one commit each) of a request-sized jsonb from a pg.Pool as
//   big as an app's pool, back to back.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { closedLoop, nowMs, openLoop, pollUntil } from './load.mjs';
import { ratePerSecond, summarize } from './stats.mjs';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs');
const pg = require('pg');

/** Sends queued messages in batches (up to 500, like the outbox relay), one batch in flight at a time. */
class BatchingSender {
  constructor(producer, topic) {
    this.producer = producer;
    this.topic = topic;
    this.queue = [];
    this.wakeUp = null;
    this.running = true;
    this.loop = this.run();
  }

  push(message) {
    this.queue.push(message);
    this.wakeUp?.();
  }

  async run() {
    while (this.running) {
      if (this.queue.length === 0) {
        await new Promise((resolve) => (this.wakeUp = resolve));
        this.wakeUp = null;
        continue;
      }
      const batch = this.queue.splice(0, 500);
      await this.producer.sendBatch({ acks: -1, topicMessages: [{ topic: this.topic, messages: batch }] });
    }
  }

  async stop() {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }
}

export async function kafkaFloor({ brokers, prefix, seconds, rate, throughputMessages, payload, quick }) {
  const kafka = new Kafka({ clientId: 'labsync-bench-floor', brokers, logLevel: logLevel.NOTHING });
  const topic = `${prefix}bench.floor.v1`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${prefix}bench-floor`, maxWaitTimeInMs: 250, sessionTimeout: 30000, heartbeatInterval: 3000 });
  const waiting = new Map();
  let consumedCount = 0;
  let lastConsumedAt = 0;
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        const at = nowMs();
        for (const message of batch.messages) {
          consumedCount++;
          lastConsumedAt = at;
          const key = message.key?.toString();
          const done = waiting.get(key);
          if (done) {
            waiting.delete(key);
            done(at);
          }
        }
      },
    });
    const sender = new BatchingSender(producer, topic);
    const roundTrip = (key) => {
      const arrived = new Promise((resolve) => waiting.set(key, resolve));
      sender.push({ key, value: payload });
      return arrived;
    };

    // Until the group has its partitions, nothing is consumed: probe until a message comes back.
    await pollUntil(async () => ({ done: await Promise.race([roundTrip(randomUUID()).then(() => true), new Promise((r) => setTimeout(() => r(false), 2000))]) }), {
      timeoutMs: 60000,
      intervalMs: 0,
    });

    // Warm-up (discarded): a second of traffic at the measured rate.
    await openLoop({ rate, seconds: 1, send: () => roundTrip(randomUUID()) });

    const idleSamples = [];
    for (let i = 0; i < (quick ? 50 : 200); i++) {
      const sent = nowMs();
      idleSamples.push((await roundTrip(randomUUID())) - sent);
    }

    const atRate = await openLoop({ rate, seconds, send: async (_i, due) => ({ latency: (await roundTrip(randomUUID())) - due }) });

    const before = consumedCount;
    const started = nowMs();
    for (let i = 0; i < throughputMessages; i++) sender.push({ key: randomUUID(), value: payload });
    await pollUntil(async () => ({ done: consumedCount - before >= throughputMessages }), { timeoutMs: 300000, intervalMs: 50 });
    const throughputSeconds = (lastConsumedAt - started) / 1000;
    await sender.stop();

    return {
      topic: `${topic} (6 partitions)`,
      payloadBytes: Buffer.byteLength(payload),
      roundTripIdleMs: summarize(idleSamples),
      roundTripAtRate: { offeredPerSecond: rate, seconds, latencyMs: summarize(atRate.records.map((r) => r.latency)) },
      throughput: {
        messages: throughputMessages,
        seconds: Number(throughputSeconds.toFixed(2)),
        messagesPerSecond: ratePerSecond(consumedCount - before, started, lastConsumedAt),
        note: 'produced in batches of up to 500 (like the outbox relay), acks=all, consumed by one consumer group',
      },
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

export async function postgresFloor({ databaseUrl, poolSize, seconds, payload, channel }) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'labsync-bench-floor' });
  const measure = async (sql) => {
    const insert = async () => {
      const started = nowMs();
      await pool.query(sql, [payload]);
      return { latency: nowMs() - started };
    };
    await closedLoop({ workers: poolSize, seconds: 1, send: insert }); // warm-up, discarded
    const run = await closedLoop({ workers: poolSize, seconds, send: insert });
    const ok = run.records.filter((r) => r && r.latency !== undefined);
    return {
      rows: ok.length,
      errors: run.records.length - ok.length,
      rowsPerSecond: ratePerSecond(ok.length, run.start, run.answeredUntil),
      insertLatencyMs: summarize(ok.map((r) => r.latency)),
    };
  };
  try {
    await pool.query('CREATE SCHEMA IF NOT EXISTS bench_floor');
    await pool.query('CREATE TABLE IF NOT EXISTS bench_floor.inserts (id bigserial PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
    const plain = await measure('INSERT INTO bench_floor.inserts (payload) VALUES ($1)');
    // The same insert, in a transaction that also NOTIFYs (as the apps' outbox, dispatch and callback
    // triggers do): Postgres serialises the commits of notifying transactions on one cluster-wide lock.
    const notifying = await measure(`WITH row AS (INSERT INTO bench_floor.inserts (payload) VALUES ($1) RETURNING id) SELECT pg_notify('${channel}', '') FROM row`);
    return {
      poolSize,
      seconds,
      ...plain,
      withNotify: notifying,
      note: 'INSERT of one row (request-sized jsonb) per statement, autocommit: one commit per row; withNotify: the same with pg_notify in the transaction',
    };
  } finally {
    await pool.query('DROP SCHEMA IF EXISTS bench_floor CASCADE').catch(() => undefined);
    await pool.end();
  }
}
