// The pipeline as a partner and the lab see it: requests submitted to the portal-adapter, lab orders read
// back from lab-sim (GET /sim/orders: createdAt is lab-sim's clock_timestamp() at the INSERT), results
// posted to lab-sim and callbacks read back from portal-sim (GET /sim/received: firstReceivedAt). All
// processes run on this one host, so their wall clocks are the same clock.
//
// Progress and "is the pipeline idle?" are read with a few count(*) queries on the bench's own throwaway
// database (cheaper than listing every order over HTTP while the apps are under load).
import { createRequire } from 'node:module';
import { nowMs, pollWhileProgressing } from './load.mjs';

const require = createRequire(import.meta.url);
const { Pool: HttpPool } = require('undici');
const pg = require('pg');
const { Kafka, logLevel } = require('kafkajs');

export const PARTNER_KEYS = { acme: 'dev-acme-key', globex: 'dev-globex-key' };

export function testRequestBody(portalRequestId) {
  return {
    portalRequestId,
    customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
    priority: 'standard',
    samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests: ['PH', 'LEAD'] }],
  };
}

const PROGRESS_QUERIES = {
  labOrders: 'SELECT count(*) AS n FROM lab_sim.lab_orders',
  callbacksReceived: 'SELECT count(*) AS n FROM portal_sim.received_events',
  resultCallbacksReceived: "SELECT count(*) AS n FROM portal_sim.received_events WHERE type = 'result.reported'",
  outboxRows:
    'SELECT (SELECT count(*) FROM portal_adapter.outbox) + (SELECT count(*) FROM lab_adapter.outbox) + (SELECT count(*) FROM correlation_tracker.outbox) AS n',
  dispatchesPending: "SELECT count(*) AS n FROM lab_adapter.lab_dispatches WHERE state = 'PENDING'",
  callbacksPending: "SELECT count(*) AS n FROM portal_adapter.callback_deliveries WHERE state = 'PENDING'",
  labWebhooksPending: 'SELECT count(*) AS n FROM lab_sim.webhook_outbox WHERE delivered_at IS NULL',
};

export class Pipeline {
  constructor({ stack, databaseUrl, httpConnections, waitConnections = 1024, runId, topicPrefix }) {
    this.stack = stack;
    this.runId = runId;
    this.topicPrefix = topicPrefix;
    this.kafkaAdmin = new Kafka({ clientId: 'labsync-bench-probe', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
    this.kafkaAdminConnected = null;
    this.portal = new HttpPool(stack.url('portal-adapter'), { connections: httpConnections, pipelining: 1, keepAliveTimeout: 60000 });
    // `Prefer: wait=N` holds each connection up to N s: at r req/s that is r x N connections in use. Sharing
    // the pool above would queue requests in the client, and count the client's queue as server latency.
    this.portalWaits = new HttpPool(stack.url('portal-adapter'), { connections: waitConnections, pipelining: 1, keepAliveTimeout: 60000 });
    this.labSim = new HttpPool(stack.url('lab-sim'), { connections: 32, keepAliveTimeout: 60000 });
    this.portalSim = new HttpPool(stack.url('portal-sim'), { connections: 8, keepAliveTimeout: 60000 });
    this.db = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'labsync-bench-probe' });
  }

  async close() {
    await Promise.all([this.portal.close(), this.portalWaits.close(), this.labSim.close(), this.portalSim.close(), this.db.end(), this.kafkaAdmin.disconnect()]);
  }

  /** Messages on this run's topics not yet consumed by this run's consumer groups (null if Kafka would not say). */
  async consumerLag() {
    try {
      this.kafkaAdminConnected ??= this.kafkaAdmin.connect();
      await this.kafkaAdminConnected;
      const { groups } = await this.kafkaAdmin.listGroups();
      let lag = 0;
      const highWatermarks = new Map();
      for (const { groupId } of groups.filter((g) => g.groupId.startsWith(this.topicPrefix))) {
        for (const { topic, partitions } of await this.kafkaAdmin.fetchOffsets({ groupId })) {
          if (!highWatermarks.has(topic)) highWatermarks.set(topic, await this.kafkaAdmin.fetchTopicOffsets(topic));
          for (const { partition, offset, low } of highWatermarks.get(topic)) {
            const committed = Number(partitions.find((p) => p.partition === partition)?.offset ?? -1);
            lag += Number(offset) - (committed >= 0 ? committed : Number(low));
          }
        }
      }
      return lag;
    } catch {
      return null;
    }
  }

  /** POST /v1/test-requests as a partner would; returns what the partner saw and when. */
  async submit(tag, index, due, prefer) {
    const partner = index % 2 === 0 ? 'acme' : 'globex';
    const portalRequestId = `PR-${this.runId}-${tag}-${index}`;
    const headers = {
      authorization: `Bearer ${PARTNER_KEYS[partner]}`,
      'content-type': 'application/json',
      'idempotency-key': portalRequestId,
      ...(prefer ? { prefer } : {}),
    };
    const pool = prefer?.startsWith('wait=') ? this.portalWaits : this.portal;
    const response = await pool.request({ method: 'POST', path: '/v1/test-requests', headers, body: JSON.stringify(testRequestBody(portalRequestId)) });
    const body = await response.body.json().catch(() => null);
    return { due, answeredAt: nowMs(), status: response.statusCode, correlationId: body?.correlationId ?? null, labOrderId: body?.labOrderId ?? null, partner };
  }

  async getJson(pool, path) {
    const response = await pool.request({ method: 'GET', path });
    const body = await response.body.json();
    if (response.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${response.statusCode} ${JSON.stringify(body).slice(0, 200)}`);
    return body;
  }

  async progress() {
    const out = {};
    for (const [name, sql] of Object.entries(PROGRESS_QUERIES)) {
      out[name] = await this.db.query(sql).then((r) => Number(r.rows[0].n), () => null);
    }
    return out;
  }

  /** Waits until lab-sim holds `expectedOrders` orders in all; returns the time it took and what was there. */
  async waitForLabOrders(expectedOrders, limits) {
    const started = Date.now();
    const last = await pollWhileProgressing(async () => {
      const p = await this.progress();
      return { ...p, done: p.labOrders !== null && p.labOrders >= expectedOrders, progress: p.labOrders };
    }, { ...limits, intervalMs: 250 });
    return { complete: Boolean(last.done), waitedMs: Date.now() - started, labOrders: last.labOrders };
  }

  /**
   * Waits until the pipeline is idle: every outbox empty, no dispatch or callback pending, lab-sim's webhooks
   * delivered, every consumer group of this run caught up, and the counts unchanged for two polls.
   */
  async waitForQuiet(limits) {
    const started = Date.now();
    let previous = null;
    const last = await pollWhileProgressing(async () => {
      const p = { ...(await this.progress()), consumerLag: await this.consumerLag() };
      const idle =
        p.outboxRows === 0 && p.dispatchesPending === 0 && p.callbacksPending === 0 && (p.labWebhooksPending ?? 0) === 0 && (p.consumerLag ?? 0) === 0;
      const stable = previous !== null && previous.callbacksReceived === p.callbacksReceived && previous.labOrders === p.labOrders;
      previous = p;
      return { ...p, done: idle && stable, progress: JSON.stringify(p) };
    }, { ...limits, intervalMs: 750 });
    return { quiet: Boolean(last.done), waitedMs: Date.now() - started, state: last };
  }

  /** Lab orders changed since `sinceIso`, by externalRef (= correlation id): { labOrderId, createdAtMs }. */
  async labOrdersSince(sinceIso) {
    const byRef = new Map();
    let since = sinceIso;
    for (;;) {
      const { orders } = await this.getJson(this.labSim, `/sim/orders?updatedSince=${encodeURIComponent(since)}&limit=5000`);
      for (const o of orders) byRef.set(o.externalRef, { labOrderId: o.labOrderId, createdAtMs: Date.parse(o.createdAt), postCount: o.postCount });
      if (orders.length < 5000) break;
      const last = orders[orders.length - 1].updatedAt;
      // A page ending inside one millisecond would repeat forever; step past it (rows are deduplicated anyway).
      since = last === since ? new Date(Date.parse(last) + 1).toISOString() : last;
    }
    return byRef;
  }

  /** POST a result for the order's first sample (lab-sim fires the signed webhook to the lab-adapter). */
  async postResult(labOrderId, due) {
    const response = await this.labSim.request({
      method: 'POST',
      path: `/sim/orders/${labOrderId}/results`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.2, unit: 'pH' }] }),
    });
    await response.body.dump();
    return { due, status: response.statusCode, answeredAt: nowMs() };
  }

  /** Waits until portal-sim holds `expected` result.reported callbacks in all. */
  async waitForResultCallbacks(expected, limits) {
    const last = await pollWhileProgressing(async () => {
      const p = await this.progress();
      return { ...p, done: p.resultCallbacksReceived !== null && p.resultCallbacksReceived >= expected, progress: JSON.stringify(p) };
    }, { ...limits, intervalMs: 250 });
    return Boolean(last.done);
  }

  /** When portal-sim first received the result.reported callback of this correlation (ms), or null. */
  async resultCallbackAt(correlationId) {
    const { events } = await this.getJson(this.portalSim, `/sim/received?correlationId=${encodeURIComponent(correlationId)}`);
    const event = events.find((e) => e.type === 'result.reported');
    return event ? { at: Date.parse(event.firstReceivedAt), deliveries: event.deliveries } : null;
  }
}
