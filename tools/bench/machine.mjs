// What the figures were measured on, and where the CPU went while they were measured: per-process CPU from
// /proc (the apps, the broker, our Postgres backends, the load generator itself, and "everything else on
// the machine", which is how a contended run shows itself), Postgres wait events sampled from
// pg_stat_activity, and transaction counts from pg_stat_database.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);
const CLOCK_TICKS = 100; // USER_HZ on Linux

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function packageVersion(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return null;
  }
}

/** The Kafka broker's process on this machine (the JVM running kafka.Kafka), if there is one. */
export function findKafkaProcess() {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = read(`/proc/${entry}/cmdline`);
    if (cmdline && cmdline.includes('kafka.Kafka')) {
      const version = cmdline.match(/kafka[/_-](\d+\.\d+\.\d+)/)?.[1] ?? null;
      return { pid: Number(entry), version };
    }
  }
  return null;
}

export async function describeMachine(pgClient, root) {
  const cpus = os.cpus();
  const kafka = findKafkaProcess();
  let kafkaVersion = kafka?.version ?? null;
  if (!kafkaVersion) kafkaVersion = JSON.parse(read(`${root}/tools/kafka/version.json`) ?? '{}').kafka ?? null;
  const setting = async (name) => (await pgClient.query(`SELECT current_setting($1) AS v`, [name])).rows[0].v;
  let commit = null;
  let dirtyFiles = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    dirtyFiles = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean).length;
  } catch {
    /* not a git checkout */
  }
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((v) => Number(v.toFixed(2))),
    // The stack holds about 5 x DB_POOL_SIZE + 10 connections: on a shared server, check the headroom.
    postgresConnectionsInUseAtStart: Number((await pgClient.query('SELECT count(*) AS n FROM pg_stat_activity')).rows[0].n),
    node: process.version,
    kafka: kafkaVersion,
    postgres: await setting('server_version'),
    postgresSettings: {
      synchronous_commit: await setting('synchronous_commit'),
      fsync: await setting('fsync'),
      shared_buffers: await setting('shared_buffers'),
      max_connections: await setting('max_connections'),
    },
    libraries: { kafkajs: packageVersion('kafkajs'), pg: packageVersion('pg'), undici: packageVersion('undici') },
    git: { commit, uncommittedFiles: dirtyFiles },
  };
}

function processTicks(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 0, utime field 11, stime field 12.
  return Number(fields[11]) + Number(fields[12]);
}

function systemTicks() {
  const line = read('/proc/stat')?.split('\n')[0] ?? '';
  const [, ...values] = line.trim().split(/\s+/).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { total, busy: total - idle };
}

/**
 * CPU meter over a phase. `groups()` returns [{ name, pids }] at the moment of each snapshot (Postgres
 * backends come and go with the pools). Reports cores used per group (1.0 = one core busy the whole phase).
 */
export class CpuMeter {
  constructor(groups) {
    this.groups = groups;
  }

  async snapshot() {
    const groups = await this.groups();
    const perPid = {};
    for (const { name, pids } of groups) for (const pid of pids) perPid[pid] = { name, ticks: processTicks(pid) };
    return { at: Date.now(), system: systemTicks(), perPid };
  }

  /** Cores used by each group between two snapshots, and by the rest of the machine. */
  static between(a, b) {
    const seconds = (b.at - a.at) / 1000;
    const cores = os.cpus().length;
    const byGroup = {};
    for (const [pid, { name, ticks }] of Object.entries(b.perPid)) {
      if (ticks === null) continue;
      const before = a.perPid[pid]?.ticks ?? 0; // a backend that appeared during the phase: all its CPU is ours
      byGroup[name] = (byGroup[name] ?? 0) + (ticks - before) / CLOCK_TICKS / seconds;
    }
    const systemCores = ((b.system.busy - a.system.busy) / Math.max(1, b.system.total - a.system.total)) * cores;
    const ours = Object.values(byGroup).reduce((x, y) => x + y, 0);
    const rounded = Object.fromEntries(Object.entries(byGroup).map(([k, v]) => [k, Number(v.toFixed(2))]).sort((x, y) => y[1] - x[1]));
    return {
      seconds: Number(seconds.toFixed(1)),
      coresAvailable: cores,
      machineBusyCores: Number(systemCores.toFixed(2)),
      byProcess: rounded,
      otherProcessesCores: Number(Math.max(0, systemCores - ours).toFixed(2)),
    };
  }
}

/** Samples what our database's active backends are doing (on CPU, or waiting on what) every `intervalMs`. */
export class PgWaitSampler {
  constructor(pool, database, intervalMs = 100) {
    this.pool = pool;
    this.database = database;
    this.intervalMs = intervalMs;
    this.counts = new Map();
    this.samples = 0;
    this.timer = null;
  }

  start() {
    this.counts.clear();
    this.samples = 0;
    const tick = async () => {
      try {
        const { rows } = await this.pool.query(
          `SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS what,
                  regexp_replace(application_name, ':.*', '') AS app
             FROM pg_stat_activity
            WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
          [this.database],
        );
        this.samples++;
        for (const { what, app } of rows) {
          const key = `${app || '?'}: ${what}`;
          this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
        }
      } catch {
        /* a missed sample is not worth failing the run */
      }
      if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  /** Average number of backends in each state per sample (0.8 = on average 0.8 backends there). */
  stop(top = 12) {
    clearTimeout(this.timer);
    this.timer = null;
    const rows = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, top);
    return {
      samples: this.samples,
      intervalMs: this.intervalMs,
      averageActiveBackends: rows.map(([key, n]) => ({ where: key, backends: Number((n / Math.max(1, this.samples)).toFixed(2)) })),
    };
  }
}

/** Transactions and tuples of our database so far (pg_stat_database; Postgres flushes these about once a second). */
export async function databaseCounters(pool, database) {
  const { rows } = await pool.query(
    `SELECT xact_commit::bigint AS commits, xact_rollback::bigint AS rollbacks, tup_inserted::bigint AS inserted,
            tup_updated::bigint AS updated, tup_deleted::bigint AS deleted
       FROM pg_stat_database WHERE datname = $1`,
    [database],
  );
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

export function counterDelta(a, b) {
  return Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)]));
}

/** Rows written per table so far (pg_stat_user_tables), keyed "schema.table". */
export async function tableWrites(pool) {
  const { rows } = await pool.query(
    `SELECT schemaname || '.' || relname AS name, n_tup_ins::bigint AS ins, n_tup_upd::bigint AS upd, n_tup_del::bigint AS del
       FROM pg_stat_user_tables WHERE schemaname NOT LIKE 'bench%'`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, { inserted: Number(r.ins), updated: Number(r.upd), deleted: Number(r.del) }]));
}

/** Per-request writes of each table between two tableWrites() snapshots, busiest first. */
export function tableWritesPerRequest(a, b, requests, top = 15) {
  const rows = Object.entries(b).map(([name, w]) => {
    const before = a[name] ?? { inserted: 0, updated: 0, deleted: 0 };
    const per = (k) => Number(((w[k] - before[k]) / Math.max(1, requests)).toFixed(2));
    return { table: name, inserted: per('inserted'), updated: per('updated'), deleted: per('deleted') };
  });
  return rows
    .filter((r) => r.inserted + r.updated + r.deleted > 0)
    .sort((x, y) => y.inserted + y.updated + y.deleted - (x.inserted + x.updated + x.deleted))
    .slice(0, top);
}
