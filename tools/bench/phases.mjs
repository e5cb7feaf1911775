// The measured phases of `npm run bench`. Each phase starts with the pipeline idle, offers its load, waits
// until the pipeline has done the phase's work (drain), and records latency, throughput, and where the CPU
// and the database's time went meanwhile. See bench/README.md for what each figure means.
import { CpuMeter } from './machine.mjs';
import { closedLoop, openLoop } from './load.mjs';
import { countBy, medianPerSecond, ratePerSecond, summarize } from './stats.mjs';

const ACKNOWLEDGED = new Set([201, 202]);
const SHARED = /shared|load generator/;

/**
 * CPU milliseconds per request spent by the apps and this run's Postgres backends (not the shared broker),
 * less what they burn when idle (polling, health checks), measured before the phases when available.
 */
function cpuPerRequest(cpu, requests, idle) {
  if (!requests) return null;
  const byProcess = Object.fromEntries(
    Object.entries(cpu.byProcess)
      .filter(([name]) => !SHARED.test(name))
      .map(([name, cores]) => [name, Number(((Math.max(0, cores - (idle?.byProcess[name] ?? 0)) * cpu.seconds * 1000) / requests).toFixed(2))]),
  );
  const total = Object.values(byProcess).reduce((a, b) => a + b, 0);
  return { total: Number(total.toFixed(2)), byProcess };
}

/** What the partners saw in a measured phase: answers by status, accepted per second until `until`, answer latency. */
function httpAnswers(m, until) {
  return {
    statuses: countBy(m.run.records.map((r) => r?.status ?? r?.error ?? 'none')),
    acceptedPerSecond: ratePerSecond(m.acknowledged.length, m.run.start, until),
    answerLatencyMs: summarize(m.acknowledged.map((r) => r.answeredAt - r.due)),
  };
}

export class PhaseRunner {
  constructor({ pipeline, cpuMeter, waits, config, say }) {
    this.pipeline = pipeline;
    this.cpuMeter = cpuMeter;
    this.waits = waits;
    this.config = config;
    this.say = say;
    /** CpuMeter.between() over an idle stretch, subtracted from CPU per request; set by the caller. */
    this.idleCpu = null;
    this.drainLimits = { stallMs: config.drainStallSeconds * 1000, maxMs: config.drainMaxSeconds * 1000 };
  }

  /** Runs `load` with CPU and Postgres-wait sampling around it, then waits for the lab orders it caused. */
  async measured(load) {
    const before = await this.pipeline.progress();
    const since = new Date(Date.now() - 1000).toISOString();
    const cpuBefore = await this.cpuMeter.snapshot();
    this.waits.start();
    const run = await load();
    const acknowledged = run.records.filter((r) => r && ACKNOWLEDGED.has(r.status));
    // Answers that carry a lab order (201) were created synchronously; every acknowledged request must end as one.
    const drain = await this.pipeline.waitForLabOrders(before.labOrders + acknowledged.length, this.drainLimits);
    const cpu = CpuMeter.between(cpuBefore, await this.cpuMeter.snapshot());
    const pgWaits = this.waits.stop();
    const quiet = await this.pipeline.waitForQuiet(this.drainLimits);
    // The whole life of these requests (lab order, acceptance, status callbacks) ends when the pipeline is quiet.
    cpu.msPerRequest = cpuPerRequest(CpuMeter.between(cpuBefore, await this.cpuMeter.snapshot()), acknowledged.length, this.idleCpu);
    const orders = await this.pipeline.labOrdersSince(since);
    return { run, acknowledged, drain, quiet, orders, cpu, pgWaits };
  }

  /** Open loop at `rate` req/s for `seconds`: submit -> lab order created, and what the partner saw. */
  async asyncAtRate(tag, rate, seconds) {
    this.say(`  ${tag}: ${rate} req/s for ${seconds}s (open loop)...`);
    const m = await this.measured(() => openLoop({ rate, seconds, send: (i, due) => this.pipeline.submit(tag, i, due) }));
    const latencies = [];
    let lastCreated = 0;
    let missing = 0;
    let postedTwice = 0;
    for (const r of m.acknowledged) {
      const order = m.orders.get(r.correlationId);
      if (!order) {
        missing++;
        continue;
      }
      latencies.push(order.createdAtMs - r.due);
      lastCreated = Math.max(lastCreated, order.createdAtMs);
      if (order.postCount > 1) postedTwice++;
    }
    const result = {
      offeredPerSecond: rate,
      seconds,
      requests: m.run.records.length,
      http: httpAnswers(m, m.run.answeredUntil),
      generator: { sendLagMs: summarize(m.run.sendLag) },
      submitToLabOrderMs: summarize(latencies),
      labOrders: {
        found: latencies.length,
        missing,
        postedMoreThanOnce: postedTwice,
        perSecond: ratePerSecond(latencies.length, m.run.start, lastCreated),
        drainSeconds: lastCreated ? Number(((lastCreated - m.run.end) / 1000).toFixed(2)) : null,
        completeWithinTimeout: m.drain.complete,
      },
      cpu: m.cpu,
      pgWaits: m.pgWaits,
      quietAfter: { quiet: m.quiet.quiet, waitedMs: m.quiet.waitedMs },
    };
    // Kept up: everything arrived, and the last order was created within a second of the last request being due.
    result.keptUp = missing === 0 && result.labOrders.drainSeconds !== null && result.labOrders.drainSeconds < 1;
    this.say(`    lab orders ${latencies.length}/${m.acknowledged.length}, p50 ${result.submitToLabOrderMs.p50} ms, p99 ${result.submitToLabOrderMs.p99} ms, ${result.labOrders.perSecond} orders/s, drain ${result.labOrders.drainSeconds}s`);
    return { result, acknowledged: m.acknowledged, orders: m.orders };
  }

  /** Closed loop with `workers` concurrent partners: the most the pipeline accepts and turns into lab orders. */
  async saturation(workers, seconds) {
    this.say(`  saturation: ${workers} concurrent requests for ${seconds}s (closed loop)...`);
    const m = await this.measured(() => closedLoop({ workers, seconds, send: (i, sentAt) => this.pipeline.submit('sat', i, sentAt) }));
    const created = [];
    const latencies = [];
    for (const r of m.acknowledged) {
      const order = m.orders.get(r.correlationId);
      if (!order) continue;
      created.push(order.createdAtMs);
      latencies.push(order.createdAtMs - r.due);
    }
    const lastCreated = created.reduce((a, b) => Math.max(a, b), 0);
    const result = {
      concurrency: workers,
      seconds,
      requests: m.run.records.length,
      http: httpAnswers(m, m.run.end),
      labOrders: {
        found: created.length,
        missing: m.acknowledged.length - created.length,
        // End to end: every request of the phase, from the first submit to the last lab order.
        perSecond: ratePerSecond(created.length, m.run.start, lastCreated),
        // The pipeline's own pace while it had a backlog: median of lab orders created per whole second.
        medianPerSecond: medianPerSecond(created),
        drainSeconds: lastCreated ? Number(((lastCreated - m.run.end) / 1000).toFixed(2)) : null,
        completeWithinTimeout: m.drain.complete,
      },
      submitToLabOrderMs: summarize(latencies),
      cpu: m.cpu,
      pgWaits: m.pgWaits,
    };
    this.say(`    accepted ${result.http.acceptedPerSecond} req/s; lab orders ${result.labOrders.perSecond}/s end to end (median ${result.labOrders.medianPerSecond}/s), drain ${result.labOrders.drainSeconds}s`);
    return result;
  }

  /** `Prefer: wait=N` at `rate` req/s: the answers, by status (201 accepted in time, 422 rejected, 202 timed out). */
  async preferWait(rate, seconds, waitSeconds) {
    this.say(`  Prefer: wait=${waitSeconds} at ${rate} req/s for ${seconds}s...`);
    const m = await this.measured(() => openLoop({ rate, seconds, send: (i, due) => this.pipeline.submit('wait', i, due, `wait=${waitSeconds}`) }));
    const answered = m.run.records.filter((r) => r && r.status !== undefined);
    const byStatus = {};
    for (const r of answered) (byStatus[r.status] ??= []).push(r.answeredAt - r.due);
    const statuses = countBy(m.run.records.map((r) => r?.status ?? r?.error ?? 'none'));
    const result = {
      offeredPerSecond: rate,
      seconds,
      waitSeconds,
      requests: m.run.records.length,
      statuses,
      answerLatencyMs: summarize(answered.map((r) => r.answeredAt - r.due)),
      answerLatencyByStatusMs: Object.fromEntries(Object.entries(byStatus).map(([s, v]) => [s, summarize(v)])),
      createdWithLabOrder: m.run.records.filter((r) => r?.status === 201 && r.labOrderId).length,
      synchronousModeObserved: (statuses['201'] ?? 0) + (statuses['422'] ?? 0) > 0,
      generator: { sendLagMs: summarize(m.run.sendLag) },
      cpu: m.cpu,
    };
    this.say(`    statuses ${JSON.stringify(statuses)}, p50 ${result.answerLatencyMs.p50} ms, p99 ${result.answerLatencyMs.p99} ms`);
    return result;
  }

  /** Lab result posted to lab-sim -> the result.reported callback first received by portal-sim. */
  async resultToCallback(targets, rate) {
    this.say(`  lab result -> portal callback: ${targets.length} results at ${rate}/s...`);
    const cpuBefore = await this.cpuMeter.snapshot();
    const before = (await this.pipeline.progress()).resultCallbacksReceived ?? 0;
    const run = await openLoop({ rate, seconds: targets.length / rate, send: (i, due) => this.pipeline.postResult(targets[i].labOrderId, due) });
    const posted = run.records.filter((r) => r?.status === 202).length;
    const arrived = await this.pipeline.waitForResultCallbacks(before + posted, this.drainLimits);
    const quiet = await this.pipeline.waitForQuiet(this.drainLimits);
    const cpu = CpuMeter.between(cpuBefore, await this.cpuMeter.snapshot());
    const latencies = [];
    let missing = 0;
    let duplicateDeliveries = 0;
    for (let i = 0; i < targets.length; i++) {
      const posted = run.records[i];
      if (posted?.status !== 202) continue;
      const callback = await this.pipeline.resultCallbackAt(targets[i].correlationId);
      if (!callback) {
        missing++;
        continue;
      }
      latencies.push(callback.at - posted.due);
      if (callback.deliveries > 1) duplicateDeliveries++;
    }
    const result = {
      results: targets.length,
      postedPerSecond: rate,
      postStatuses: countBy(run.records.map((r) => r?.status ?? r?.error ?? 'none')),
      latencyMs: summarize(latencies),
      missing,
      allArrivedWithinTimeout: arrived,
      duplicateDeliveries,
      quietAfter: { quiet: quiet.quiet, waitedMs: quiet.waitedMs },
      cpu,
    };
    this.say(`    ${latencies.length} callbacks, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, missing ${missing}`);
    return result;
  }
}

