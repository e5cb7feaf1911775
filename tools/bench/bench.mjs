#!/usr/bin/env node
// `npm run bench`: brings up the stack (tools/stack/stack.mjs) in a database and topic prefix of its own,
// measures the floors (raw kafkajs, raw pg) and the pipeline in one run, and writes
// bench/results/<date>.json and .md (the table is printed too). Not part of `npm test`.
// Method, settings and caveats: bench/README.md.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPS, DEFAULT_DATABASE_URL, startStack } from '../stack/stack.mjs';
import { ensureDatabaseExists } from '../test/infrastructure.mjs';
import { benchConfig } from './config.mjs';
import { profilesIn, summariseProfile } from './cpu-profile.mjs';
import { kafkaFloor, postgresFloor } from './floors.mjs';
import { CpuMeter, PgWaitSampler, counterDelta, databaseCounters, describeMachine, findKafkaProcess, tableWrites, tableWritesPerRequest } from './machine.mjs';
import { Pipeline, testRequestBody } from './pipeline.mjs';
import { PhaseRunner } from './phases.mjs';
import { renderMarkdown } from './report.mjs';
import { ratio } from './stats.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');
const { Kafka, logLevel } = require('kafkajs');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const say = (line = '') => console.log(line);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function runIdentity() {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15).toLowerCase();
  return `${stamp}_${randomBytes(2).toString('hex')}`;
}

/** bench/results/<date>[-label].json, never overwriting an earlier run of the same day. */
function resultPaths(outDir, label) {
  const date = new Date().toISOString().slice(0, 10);
  const base = `${date}${label ? `-${label.replace(/[^a-zA-Z0-9_-]/g, '-')}` : ''}`;
  let name = base;
  for (let i = 2; existsSync(join(outDir, `${name}.json`)); i++) name = `${base}-${i}`;
  return { json: join(outDir, `${name}.json`), md: join(outDir, `${name}.md`) };
}

async function deleteTopics(brokers, prefix) {
  const kafka = new Kafka({ clientId: 'labsync-bench-cleanup', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main() {
  const config = benchConfig();
  const runId = runIdentity();
  const prefix = `bench.${runId}.`;
  const baseUrl = new URL(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
  const databaseName = `labsync_bench_${runId}`;
  const databaseUrl = Object.assign(new URL(baseUrl), { pathname: `/${databaseName}` }).toString();
  const profileDir = join(root, 'tmp/bench-profiles', runId);
  const startedAt = new Date();

  say(`labsync benchmark ${runId}${config.quick ? ' (BENCH_QUICK: a smoke run, not a measurement)' : ''}`);
  say(`  database ${databaseName}, topic prefix ${prefix}${config.profile ? `, CPU profiles in ${profileDir}` : ''}`);

  // The stack reads its settings from the environment: a fresh database (so fresh schemas), a unique topic
  // prefix, free ports, the lab only creating orders (LAB_SIM_AUTO=0), and optionally --cpu-prof.
  process.env.DATABASE_URL = databaseUrl;
  process.env.KAFKA_TOPIC_PREFIX = prefix;
  // The bench is one partner at full speed: the per-partner rate limit must not be what it measures.
  process.env.PARTNER_RATE_LIMIT ||= '1000000';
  for (const app of APPS) process.env[`${app.name.toUpperCase().replace(/-/g, '_')}_PORT`] = String(await freePort());
  const savedNodeOptions = process.env.NODE_OPTIONS;
  if (config.profile) {
    mkdirSync(profileDir, { recursive: true });
    // Node 20 refuses --cpu-prof in NODE_OPTIONS; the preload starts the same profiler through node:inspector.
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${join(root, 'tools/bench/cpu-profiler-preload.cjs')}`.trim();
    process.env.BENCH_PROFILE_DIR = profileDir;
  }
  await ensureDatabaseExists(databaseUrl);
  const stack = await startStack({ labSimAuto: false, logLevel: process.env.BENCH_LOG_LEVEL || 'info', say }).catch(async (error) => {
    await deleteTopics((process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(','), prefix).catch(() => undefined);
    await dropDatabase(baseUrl, databaseName).catch(() => undefined);
    throw error;
  });
  if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = savedNodeOptions;
  delete process.env.BENCH_PROFILE_DIR;

  const admin = countQueries(new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'labsync-bench-monitor' }));
  const pipeline = new Pipeline({ stack, databaseUrl, httpConnections: config.httpConnections, waitConnections: Math.ceil(config.waitRate * (config.waitPreferSeconds + 3)), runId, topicPrefix: prefix });
  countQueries(pipeline.db);
  const ownQueries = () => admin.queryCount + pipeline.db.queryCount;
  const kafkaPid = findKafkaProcess()?.pid;
  const cpuMeter = new CpuMeter(async () => {
    const { rows } = await admin.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name NOT LIKE 'labsync-bench%'`,
      [databaseName],
    );
    return [
      ...stack.children.map(({ name, child }) => ({ name, pids: [child.pid] })),
      { name: 'postgres (backends of this run)', pids: rows.map((r) => r.pid) },
      ...(kafkaPid ? [{ name: 'kafka broker (shared)', pids: [kafkaPid] }] : []),
      { name: 'bench (load generator)', pids: [process.pid] },
    ];
  });
  const waits = new PgWaitSampler(admin, databaseName);
  const phases = new PhaseRunner({ pipeline, cpuMeter, waits, config, say });
  const results = {
    schema: 'labsync-bench/1',
    runId,
    label: config.label || null,
    mode: config.quick ? 'quick' : 'full',
    profiled: config.profile,
    startedAt: startedAt.toISOString(),
    machine: await describeMachine(admin, root),
    config: {
      ...Object.fromEntries(Object.entries(config).filter(([k]) => !['skip', 'outDir'].includes(k))),
      skip: [...config.skip],
      appLogLevel: process.env.BENCH_LOG_LEVEL || 'info',
      appDbPoolSize: Number(process.env.DB_POOL_SIZE) || 10,
      kafkaBrokers: stack.kafkaBrokers,
    },
  };

  let exitCode = 1;
  let interrupted = false;
  process.once('SIGINT', () => (interrupted = true));
  try {
    const envelopeSized = JSON.stringify({ id: randomUUID(), type: 'labsync.requests.submitted', version: 1, correlationId: randomUUID(), causationId: null, source: 'portal-adapter', occurredAt: new Date().toISOString(), payload: { correlationId: randomUUID(), partnerId: 'acme', receivedAt: new Date().toISOString(), request: testRequestBody('PR-floor-0000') } });

    if (!config.skip.has('floors')) {
      say('Floors (same broker, same database):');
      results.floors = {
        kafka: await kafkaFloor({ brokers: stack.kafkaBrokers.split(','), prefix, seconds: config.floorSeconds, rate: config.floorRate, throughputMessages: config.kafkaThroughputMessages, payload: envelopeSized, quick: config.quick }),
        postgres: await postgresFloor({ databaseUrl, poolSize: config.pgPoolSize, seconds: config.floorSeconds, payload: envelopeSized, channel: `bench_floor_${runId}` }),
      };
      say(`  kafka round trip p50 ${results.floors.kafka.roundTripAtRate.latencyMs.p50} ms, p99 ${results.floors.kafka.roundTripAtRate.latencyMs.p99} ms at ${config.floorRate}/s; ${results.floors.kafka.throughput.messagesPerSecond} msgs/s`);
      say(`  postgres ${results.floors.postgres.rowsPerSecond} single-row inserts/s, ${results.floors.postgres.withNotify.rowsPerSecond}/s with NOTIFY (pool ${config.pgPoolSize})`);
    }

    say('Pipeline:');
    if (config.warmupSeconds > 0) {
      const warm = await phases.asyncAtRate('warmup', config.warmupRate, config.warmupSeconds);
      results.warmup = { discarded: true, offeredPerSecond: config.warmupRate, seconds: config.warmupSeconds, requests: warm.result.requests, labOrdersFound: warm.result.labOrders.found };
    }

    let resultTargets = [];
    if (!config.skip.has('async')) {
      // Database work per request, from pg_stat_database. Postgres publishes those counters up to 10 s late,
      // hence the settling pauses; the apps' idle polling and this benchmark's own queries are subtracted.
      await sleep(11000);
      const idleStart = await databaseCounters(admin, databaseName);
      const ownQueriesAtIdleStart = ownQueries();
      const idleCpuStart = await cpuMeter.snapshot();
      await sleep(5000);
      phases.idleCpu = CpuMeter.between(idleCpuStart, await cpuMeter.snapshot());
      results.idleCpu = phases.idleCpu;
      const before = await databaseCounters(admin, databaseName);
      const idleRate = counterDelta(idleStart, before);
      idleRate.commits -= ownQueries() - ownQueriesAtIdleStart;
      const tablesBefore = await tableWrites(admin);
      const ownQueriesBefore = ownQueries();
      const beforeAt = Date.now();
      results.async = [];
      let acknowledged = 0;
      for (const rate of config.rates) {
        if (interrupted) break;
        const phase = await phases.asyncAtRate(`r${rate}`, rate, config.seconds);
        results.async.push(phase.result);
        acknowledged += phase.acknowledged.length;
        if (resultTargets.length === 0 || rate === 100) {
          resultTargets = phase.acknowledged
            .map((r) => ({ correlationId: r.correlationId, labOrderId: phase.orders.get(r.correlationId)?.labOrderId }))
            .filter((t) => t.labOrderId);
        }
      }
      await sleep(11000);
      const delta = counterDelta(before, await databaseCounters(admin, databaseName));
      delta.commits -= ownQueries() - ownQueriesBefore;
      const tablesAfter = await tableWrites(admin);
      const idleSeconds = (Date.now() - beforeAt) / 1000;
      const perRequest = (k) => (acknowledged ? Number(((delta[k] - (idleRate[k] / 5) * idleSeconds) / acknowledged).toFixed(1)) : null);
      results.databasePerRequest = {
        requests: acknowledged,
        commits: perRequest('commits'),
        rowsInserted: perRequest('inserted'),
        rowsUpdated: perRequest('updated'),
        rowsDeleted: perRequest('deleted'),
        idleCommitsPerSecond: Number((idleRate.commits / 5).toFixed(1)),
        tables: tableWritesPerRequest(tablesBefore, tablesAfter, acknowledged),
        note: 'whole life of an asynchronous request (submit, dispatch, lab order, acceptance, two status callbacks), all apps and lab/portal stand-ins, idle polling subtracted; approximate',
      };
    }

    if (!config.skip.has('wait') && !interrupted) results.preferWait = await phases.preferWait(config.waitRate, config.waitPhaseSeconds, config.waitPreferSeconds);

    if (!config.skip.has('results') && !interrupted && resultTargets.length) {
      results.resultToCallback = await phases.resultToCallback(resultTargets.slice(0, config.resultCount), config.resultRate);
    }

    if (!config.skip.has('saturation') && !interrupted) results.saturation = await phases.saturation(config.concurrency, config.saturationSeconds);

    results.ratios = computeRatios(results);
    results.loadAverageAtEnd = os.loadavg().map((v) => Number(v.toFixed(2)));
    results.contention = contentionVerdict(results);
    results.standing = config.quick
      ? 'smoke run (BENCH_QUICK): proves the benchmark runs; not a measurement'
      : results.contention.contended
        ? 'measured under contention: lower bounds, not the capacity of this machine'
        : config.profile
          ? 'profiled run: the profiler costs CPU; not for comparison'
          : 'measurement';
    results.interrupted = interrupted;
    exitCode = interrupted ? 130 : 0;
  } catch (error) {
    results.error = String(error?.stack ?? error);
    say(`bench failed: ${error.message}`);
  } finally {
    say('Stopping the stack...');
    await pipeline.close().catch(() => undefined);
    await admin.end().catch(() => undefined);
    await stack.stop();
    if (config.profile) results.profiles = summariseProfiles(profileDir, stack.children);
    await deleteTopics(stack.kafkaBrokers.split(','), prefix).catch((e) => say(`  could not delete topics ${prefix}*: ${e.message}`));
    if (!config.keepDatabase) await dropDatabase(baseUrl, databaseName).catch((e) => say(`  could not drop ${databaseName}: ${e.message}`));
  }

  results.finishedAt = new Date().toISOString();
  results.durationSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  const outDir = resolve(root, config.outDir);
  mkdirSync(outDir, { recursive: true });
  const paths = resultPaths(outDir, results.label);
  const markdown = renderMarkdown(results);
  writeFileSync(paths.json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(paths.md, markdown);
  say('');
  say(markdown);
  say(`Written: ${paths.json.replace(`${root}/`, '')} and ${paths.md.replace(`${root}/`, '')}`);
  process.exit(exitCode);
}

/** Counts the pool's queries: each is one transaction of its own, which pg_stat_database counts too. */
function countQueries(pool) {
  const query = pool.query.bind(pool);
  pool.queryCount = 0;
  pool.query = (...args) => {
    pool.queryCount++;
    return query(...args);
  };
  return pool;
}

function computeRatios(r) {
  const kafka = r.floors?.kafka;
  const pgFloor = r.floors?.postgres;
  const sat = r.saturation?.labOrders;
  const atFloorRate = r.async?.find((a) => a.offeredPerSecond === kafka?.roundTripAtRate.offeredPerSecond) ?? null;
  const sustained = (r.async ?? []).filter((a) => a.keptUp).map((a) => a.offeredPerSecond);
  return {
    highestOfferedRateKeptUp: sustained.length ? Math.max(...sustained) : null,
    saturationLabOrdersPerSecond_vs_pgInsertsPerSecond: ratio(sat?.perSecond, pgFloor?.rowsPerSecond, 3),
    saturationLabOrdersPerSecond_vs_pgNotifyingInsertsPerSecond: ratio(sat?.perSecond, pgFloor?.withNotify?.rowsPerSecond, 3),
    saturationLabOrdersPerSecond_vs_kafkaMessagesPerSecond: ratio(sat?.perSecond, kafka?.throughput.messagesPerSecond, 3),
    pgInsertsPerSecond_per_commitsPerRequest: pgFloor && r.databasePerRequest?.commits ? Math.round(pgFloor.rowsPerSecond / r.databasePerRequest.commits) : null,
    submitToLabOrder_vs_kafkaRoundTrip_atSameRate: atFloorRate
      ? {
          rate: atFloorRate.offeredPerSecond,
          p50: ratio(atFloorRate.submitToLabOrderMs.p50, kafka.roundTripAtRate.latencyMs.p50, 1),
          p99: ratio(atFloorRate.submitToLabOrderMs.p99, kafka.roundTripAtRate.latencyMs.p99, 1),
        }
      : null,
    resultToCallback_vs_kafkaRoundTripIdle: r.resultToCallback && kafka
      ? { p50: ratio(r.resultToCallback.latencyMs.p50, kafka.roundTripIdleMs.p50, 1), p99: ratio(r.resultToCallback.latencyMs.p99, kafka.roundTripIdleMs.p99, 1) }
      : null,
  };
}

/** A run is "contended" when something other than this benchmark used a noticeable share of the CPU. */
function contentionVerdict(r) {
  const phases = [...(r.async ?? []), r.saturation, r.preferWait, r.resultToCallback].filter(Boolean);
  const other = phases.map((p) => p.cpu?.otherProcessesCores ?? 0);
  const maxOther = other.length ? Math.max(...other) : 0;
  const load = r.machine.loadAverageAtStart[0];
  const contended = maxOther > 0.2 || load > 0.5;
  return {
    contended,
    loadAverageAtStart: load,
    maxOtherProcessesCores: Number(maxOther.toFixed(2)),
    note: contended
      ? 'Other processes used CPU during this run: its figures are lower bounds, not this machine\'s capacity.'
      : 'No other noticeable CPU use during the measured phases.',
  };
}

function summariseProfiles(dir, children) {
  const names = new Map(children.map(({ name, child }) => [child.pid, name]));
  const out = {};
  for (const { file, pid } of profilesIn(dir)) {
    const name = names.get(pid);
    if (!name) continue;
    try {
      out[name] = { file: file.replace(`${root}/`, ''), ...summariseProfile(JSON.parse(readFileSync(file, 'utf8'))) };
    } catch (error) {
      out[name] = { file, error: error.message };
    }
  }
  return out;
}

async function dropDatabase(baseUrl, name) {
  const adminUrl = Object.assign(new URL(baseUrl), { pathname: '/postgres' }).toString();
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});

