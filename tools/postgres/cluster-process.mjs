// Process control of a private cluster: initdb once, pg_ctl start/stop, status, reset; each under the
// cluster's lock. As root, the server binaries run as the postgres OS user (initdb and postgres refuse root).

import fs from 'node:fs';
import path from 'node:path';
import { portOpen, rel, run, secs, withLock } from '../local-service/process-control.mjs';
import { INCLUDE_LINE, clusterSettings } from './cluster-config.mjs';
import { PG_MAJOR, SERVER_OS_USER, SUPERUSER, binDir, clusterLayout, clusterUrl, log } from './settings.mjs';

const START_TIMEOUT_S = 60;
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function requireBinaries() {
  const dir = binDir();
  const missing = ['initdb', 'pg_ctl', 'pg_isready', 'psql'].filter((b) => !fs.existsSync(path.join(dir, b)));
  if (missing.length) {
    throw new Error(
      `postgres: the PostgreSQL ${PG_MAJOR} server binaries are missing (${missing.join(', ')} not in ${dir}); install postgresql-${PG_MAJOR} or set PG_BIN_DIR to the folder holding initdb and pg_ctl`,
    );
  }
  return (name) => path.join(dir, name);
}

const quote = (arg) => `'${String(arg).replace(/'/g, "'\\''")}'`;

/** Runs a server binary as the cluster's owner: ourselves, or the postgres OS user when we are root. */
async function runAsOwner(cmd, args, cwd) {
  if (!isRoot()) return run(cmd, args, { cwd });
  if (fs.existsSync('/usr/sbin/runuser') || fs.existsSync('/sbin/runuser')) return run('runuser', ['-u', SERVER_OS_USER, '--', cmd, ...args], { cwd });
  return run('su', [SERVER_OS_USER, '-s', '/bin/sh', '-c', [cmd, ...args].map(quote).join(' ')], { cwd });
}

async function ownerUid() {
  const { code, out } = await run('id', ['-u', SERVER_OS_USER]).catch(() => ({ code: 1, out: '' }));
  const uid = Number(out.trim());
  if (code !== 0 || !Number.isInteger(uid)) throw new Error(`postgres: running as root, the cluster needs the \`${SERVER_OS_USER}\` OS user (initdb refuses root), and there is none`);
  const gid = Number((await run('id', ['-g', SERVER_OS_USER])).out.trim());
  return { uid, gid };
}

/** Creates the cluster folder owned by whoever runs the server, and checks that owner can reach it. */
async function prepareFolder(c) {
  fs.mkdirSync(c.dir, { recursive: true });
  if (!isRoot()) return;
  const { uid, gid } = await ownerUid();
  fs.chownSync(c.dir, uid, gid);
  const probe = await runAsOwner('test', ['-w', c.dir], '/');
  if (probe.code !== 0) {
    throw new Error(`postgres: the ${SERVER_OS_USER} OS user cannot write ${c.dir} (a parent folder is closed to it); choose a cluster folder it can reach (--cluster-dir)`);
  }
}

async function isRunning(bin, c) {
  if (!fs.existsSync(path.join(c.dataDir, 'PG_VERSION'))) return false;
  const { code } = await runAsOwner(bin('pg_ctl'), ['-D', c.dataDir, 'status'], c.dir);
  return code === 0;
}

/** The port the running server listens on (postmaster.pid's fourth line). */
function runningPort(c) {
  try {
    return Number(fs.readFileSync(path.join(c.dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]) || undefined;
  } catch {
    return undefined;
  }
}

async function acceptsConnections(bin, c) {
  const { code } = await run(bin('pg_isready'), ['-h', c.host, '-p', String(c.port), '-U', SUPERUSER, '-d', 'postgres', '-t', '5']);
  return code === 0;
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

async function initCluster(bin, c) {
  const t0 = Date.now();
  const { code, out } = await runAsOwner(bin('initdb'), ['-D', c.dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'], c.dir);
  if (code !== 0) throw new Error(`postgres: initdb of ${rel(c.dataDir)} failed (exit ${code}):\n${out.trim()}`);
  fs.appendFileSync(path.join(c.dataDir, 'postgresql.conf'), `\n# labsync: the settings tools/postgres/cluster.mjs manages\n${INCLUDE_LINE}\n`);
  log(`initialized ${rel(c.dataDir)} in ${secs(t0)}`);
}

/**
 * Starts the cluster (initdb on first use), with wal_level=logical, and resolves once it accepts connections.
 * Idempotent: a cluster already running is reused (on its own port). `database` is created if missing.
 * Returns { url, port, dir, alreadyRunning }.
 */
export async function startCluster({ clusterDir, port, database } = {}) {
  const bin = requireBinaries();
  const c = clusterLayout({ clusterDir, port });
  return withLock(async () => {
    let alreadyRunning = await isRunning(bin, c);
    if (alreadyRunning) {
      const actual = runningPort(c);
      if (port !== undefined && actual !== undefined && actual !== port) throw new Error(`postgres: ${rel(c.dir)} is already running on port ${actual}, not ${port}; stop it first`);
      c.port = actual ?? c.port;
      log(`already running on ${c.host}:${c.port} (${rel(c.dataDir)})`);
    } else {
      if (await portOpen(c.host, c.port)) throw new Error(`postgres: port ${c.port} is already in use; give the cluster a free port (--port or CDC_POSTGRES_PORT)`);
      await prepareFolder(c);
      if (!fs.existsSync(path.join(c.dataDir, 'PG_VERSION'))) await initCluster(bin, c);
      fs.writeFileSync(c.settingsFile, clusterSettings(c));
      if (isRoot()) {
        const { uid, gid } = await ownerUid();
        fs.chownSync(c.settingsFile, uid, gid);
      }
      fs.writeFileSync(c.stateFile, JSON.stringify({ port: c.port }, null, 2) + '\n');
      const t0 = Date.now();
      const { code, out } = await runAsOwner(bin('pg_ctl'), ['-D', c.dataDir, '-l', c.logFile, '-w', '-t', String(START_TIMEOUT_S), 'start'], c.dir);
      if (code !== 0) throw new Error(`postgres: pg_ctl start failed (exit ${code}): ${out.trim()}\n----- last lines of ${rel(c.logFile)} -----\n${tail(c.logFile)}`);
      log(`started PostgreSQL ${PG_MAJOR} (wal_level=logical) on ${c.host}:${c.port} in ${secs(t0)} (data in ${rel(c.dataDir)}, log ${rel(c.logFile)})`);
    }
    if (!(await acceptsConnections(bin, c))) throw new Error(`postgres: the cluster in ${rel(c.dir)} runs but does not accept connections on ${c.host}:${c.port}; see ${rel(c.logFile)}`);
    if (database) await ensureDatabase(bin, c, database);
    return { url: clusterUrl(c, database), port: c.port, dir: c.dir, alreadyRunning };
  }, { lockFile: c.lockFile, label: 'postgres' });
}

async function ensureDatabase(bin, c, database) {
  const psql = (sql) => run(bin('psql'), ['-h', c.host, '-p', String(c.port), '-U', SUPERUSER, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-tAc', sql]);
  const literal = `'${database.replace(/'/g, "''")}'`;
  const exists = await psql(`SELECT 1 FROM pg_database WHERE datname = ${literal}`);
  if (exists.code !== 0) throw new Error(`postgres: could not query ${clusterUrl(c)}: ${exists.out.trim()}`);
  if (exists.out.trim() === '1') return;
  const created = await psql(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  // a parallel start may have created it first
  if (created.code !== 0 && !/already exists/.test(created.out)) throw new Error(`postgres: could not create database ${database}: ${created.out.trim()}`);
  if (created.code === 0) log(`created database ${database}`);
}

/** Stops the cluster (pg_ctl -m fast: open sessions are ended, nothing is lost). Its data stays. */
export async function stopCluster({ clusterDir } = {}) {
  const bin = requireBinaries();
  const c = clusterLayout({ clusterDir });
  return withLock(async () => {
    if (!(await isRunning(bin, c))) {
      log(`not running (${rel(c.dir)})`);
      return false;
    }
    const t0 = Date.now();
    const { code, out } = await runAsOwner(bin('pg_ctl'), ['-D', c.dataDir, '-m', 'fast', '-w', '-t', String(START_TIMEOUT_S), 'stop'], c.dir);
    if (code !== 0) throw new Error(`postgres: pg_ctl stop failed (exit ${code}): ${out.trim()}`);
    log(`stopped (${rel(c.dir)}) in ${secs(t0)}`);
    return true;
  }, { lockFile: c.lockFile, label: 'postgres' });
}

/** Stops the cluster and deletes its folder (data, slots, log): the next start runs initdb again. */
export async function resetCluster({ clusterDir } = {}) {
  await stopCluster({ clusterDir });
  const c = clusterLayout({ clusterDir });
  fs.rmSync(c.dir, { recursive: true, force: true });
  fs.rmSync(c.lockFile, { force: true });
  log(`deleted ${rel(c.dir)}`);
}

/** { running, ready, port, url, dir } of the cluster in that folder. */
export async function clusterStatus({ clusterDir } = {}) {
  const bin = requireBinaries();
  const c = clusterLayout({ clusterDir });
  const running = await isRunning(bin, c);
  if (running) c.port = runningPort(c) ?? c.port;
  const ready = running && (await acceptsConnections(bin, c));
  return { running, ready, port: c.port, url: clusterUrl(c), dir: c.dir, initialized: fs.existsSync(c.stateFile) };
}

/** The URL of the cluster (of `database` in it), whether or not it runs now. */
export function clusterUrlOf({ clusterDir, port, database } = {}) {
  return clusterUrl(clusterLayout({ clusterDir, port }), database);
}
