// Benchmark settings, from the environment only (see bench/README.md). Every duration and count can be
// changed; the defaults take about six minutes when the pipeline keeps up, BENCH_QUICK=1 about two (drains add more).

function num(env, name, fallback, { min = 0, integer = false } = {}) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

function list(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive numbers (got ${JSON.stringify(raw)})`);
  }
  return values;
}

const FULL = {
  warmupSeconds: 15,
  warmupRate: 200,
  rates: [100, 500, 1000],
  seconds: 20,
  saturationSeconds: 20,
  concurrency: 64,
  waitRate: 100,
  waitPreferSeconds: 5,
  waitPhaseSeconds: 20,
  resultCount: 300,
  resultRate: 50,
  floorSeconds: 10,
  floorRate: 500,
  kafkaThroughputMessages: 50_000,
  drainStallSeconds: 60,
  drainMaxSeconds: 1800,
};

// The quick run (BENCH_QUICK=1) is the full one, shorter and smaller.
const QUICK = {
  ...FULL,
  warmupSeconds: 3,
  warmupRate: 50,
  seconds: 3,
  saturationSeconds: 5,
  concurrency: 32,
  waitPhaseSeconds: 3,
  resultCount: 50,
  resultRate: 25,
  floorSeconds: 3,
  kafkaThroughputMessages: 5_000,
  drainMaxSeconds: 600,
};

export function benchConfig(env = process.env) {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const d = quick ? QUICK : FULL;
  const seconds = num(env, 'BENCH_SECONDS', d.seconds, { min: 1 });
  return {
    quick,
    label: env.BENCH_LABEL || (quick ? 'quick' : ''),
    /** Warm-up at a moderate rate; its samples are discarded (JIT, connection pools, topic leaders, caches). */
    warmupSeconds: num(env, 'BENCH_WARMUP_SECONDS', d.warmupSeconds),
    warmupRate: num(env, 'BENCH_WARMUP_RATE', d.warmupRate, { min: 1 }),
    /** Open-loop offered loads of the asynchronous path, requests/s, each for BENCH_SECONDS. */
    rates: list(env, 'BENCH_RATES', d.rates),
    seconds,
    /** Closed loop: BENCH_CONCURRENCY partners each send the next request as soon as the last is answered. */
    saturationSeconds: num(env, 'BENCH_SATURATION_SECONDS', env.BENCH_SECONDS ? seconds : d.saturationSeconds, { min: 1 }),
    concurrency: num(env, 'BENCH_CONCURRENCY', d.concurrency, { min: 1, integer: true }),
    /** `Prefer: wait=N` phase: rate, N, and duration. */
    waitRate: num(env, 'BENCH_WAIT_RATE', d.waitRate, { min: 1 }),
    waitPreferSeconds: num(env, 'BENCH_PREFER_WAIT', d.waitPreferSeconds, { min: 1, integer: true }),
    waitPhaseSeconds: num(env, 'BENCH_WAIT_PHASE_SECONDS', env.BENCH_SECONDS ? seconds : d.waitPhaseSeconds, { min: 1 }),
    /** Lab result -> portal callback: how many results, posted at what rate. */
    resultCount: num(env, 'BENCH_RESULTS', d.resultCount, { min: 1, integer: true }),
    resultRate: num(env, 'BENCH_RESULT_RATE', d.resultRate, { min: 1 }),
    /** Floors: raw kafkajs and raw pg on the same broker and database. */
    floorSeconds: num(env, 'BENCH_FLOOR_SECONDS', d.floorSeconds, { min: 1 }),
    floorRate: num(env, 'BENCH_FLOOR_RATE', d.floorRate, { min: 1 }),
    kafkaThroughputMessages: num(env, 'BENCH_KAFKA_MESSAGES', d.kafkaThroughputMessages, { min: 100, integer: true }),
    pgPoolSize: num(env, 'BENCH_PG_POOL', Number(env.DB_POOL_SIZE) || 10, { min: 1, integer: true }),
    /**
     * Waiting for the pipeline to finish a phase's work: given up after BENCH_DRAIN_STALL_SECONDS without
     * progress, or BENCH_DRAIN_MAX_SECONDS in all; what is missing then is reported.
     */
    drainStallSeconds: num(env, 'BENCH_DRAIN_STALL_SECONDS', d.drainStallSeconds, { min: 1 }),
    drainMaxSeconds: num(env, 'BENCH_DRAIN_MAX_SECONDS', d.drainMaxSeconds, { min: 1 }),
    httpConnections: num(env, 'BENCH_HTTP_CONNECTIONS', 128, { min: 1, integer: true }),
    /** 1: the apps run with --cpu-prof (profiles summarised into the results; figures are then perturbed). */
    profile: env.BENCH_PROFILE === '1' || env.BENCH_PROFILE === 'true',
    outDir: env.BENCH_OUT_DIR || 'bench/results',
    keepDatabase: env.BENCH_KEEP_DB === '1',
    /** Phases to skip, comma-separated: floors, async, saturation, wait, results. */
    skip: new Set((env.BENCH_SKIP || '').split(',').map((s) => s.trim()).filter(Boolean)),
  };
}
