// Process control of a Connect worker: start (detached JVM), stop, reset and status, each under the worker's lock.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { POLL_MS, javaBin, livePid, pidAlive, portOpen, printLogTails, rel, run, secs, sleep, spawnDetached, terminate, withLock } from '../local-service/process-control.mjs';
import { classDataArgs, publishClassDataArchive } from './class-data-archive.mjs';
import { provisionConnect } from './provision.mjs';
import { connectReadiness } from './readiness.mjs';
import { MAIN_CLASS, log, saveWorkerState, workerLayout } from './settings.mjs';
import { CONNECT_VERSION, DEBEZIUM_VERSION } from './versions.mjs';
import { internalTopics, javaArgs, log4jProperties, workerProperties } from './worker-config.mjs';

const DEFAULT_START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

const workerPid = (w) => livePid(w.pidFile, MAIN_CLASS);
const printLogTail = (w) => printLogTails('connect', [w.connectLog, w.outLog]);

async function waitUntilReady(w, deadline, isAlive) {
  let last;
  for (;;) {
    last = await connectReadiness(w.url);
    if (last.ready) return last;
    if (isAlive && !isAlive()) return last;
    if (Date.now() > deadline) return last;
    await sleep(POLL_MS);
  }
}

/** `java -version`'s output; a clear error when there is no Java. */
async function requireJava() {
  try {
    const { code, out } = await run(javaBin(), ['-version']);
    if (code === 0) return out;
  } catch {
    /* not found: below */
  }
  throw new Error(`connect: Java 17+ is needed to run Kafka Connect, and \`${javaBin()}\` was not found; install a JDK or set JAVA_HOME`);
}

/**
 * Provisions (if needed) and starts a Connect worker in distributed mode, resolving once its REST API is
 * healthy and lists Debezium's PostgreSQL connector. Idempotent: a worker already running in that run
 * directory is waited for and reused. Returns { url, restPort, brokers, groupId, topics, pid, alreadyRunning }.
 */
export async function startConnect({ runDir, restPort, brokers, groupId, timeoutMs = Number(process.env.KAFKA_CONNECT_START_TIMEOUT_MS) || DEFAULT_START_TIMEOUT_MS } = {}) {
  const javaVersion = await requireJava();
  await provisionConnect();
  const w = workerLayout({ runDir, restPort, brokers, groupId });
  return withLock(() => startUnlocked(w, timeoutMs, javaVersion), { lockFile: w.lockFile, label: 'connect' });
}

async function startUnlocked(w, timeoutMs, javaVersion) {
  if (!Number.isInteger(w.restPort)) throw new Error(`connect: a worker with its own run directory (${w.runDir}) needs a REST port (--rest-port)`);
  const deadline = Date.now() + timeoutMs;
  const result = (alreadyRunning, pid) => ({ url: w.url, restPort: w.restPort, brokers: w.brokers, groupId: w.groupId, topics: internalTopics(w.groupId), pid, alreadyRunning });

  const existing = workerPid(w);
  if (existing) {
    const ready = await waitUntilReady(w, deadline, () => pidAlive(existing));
    if (ready.ready) {
      log(`already running on ${w.url} (pid ${existing})`);
      return result(true, existing);
    }
    printLogTail(w);
    throw new Error(`connect: worker pid ${existing} is running but not ready on ${w.url} (${ready.reason}); stop it with \`node tools/connect/connect.mjs stop${w.isDefault ? '' : ` --run-dir ${w.runDir}`}\``);
  }
  if (await portOpen(w.host, w.restPort)) throw new Error(`connect: port ${w.restPort} is already in use; a worker needs a free REST port`);
  fs.rmSync(w.pidFile, { force: true });

  // The group (and so the internal topics) is chosen once per run directory: a restart rejoins it.
  w.groupId ??= `labsync-connect-${randomBytes(4).toString('hex')}`;
  saveWorkerState(w);
  fs.mkdirSync(w.logsDir, { recursive: true });
  for (const f of fs.readdirSync(w.logsDir)) {
    // keep only the previous run's log next to the new one
    if (f.startsWith('connect.log')) fs.renameSync(path.join(w.logsDir, f), path.join(w.logsDir, `previous-${f}`));
  }
  fs.writeFileSync(w.propsFile, workerProperties(w));
  fs.writeFileSync(w.log4jFile, log4jProperties());

  const t0 = Date.now();
  const child = await spawnDetached(javaBin(), javaArgs(w, classDataArgs(w, javaVersion)), { cwd: w.runDir, outLog: w.outLog, pidFile: w.pidFile, label: 'connect' });

  const ready = await waitUntilReady(w, deadline, child.isAlive);
  if (ready.ready) {
    log(`started Kafka Connect ${ready.version} with Debezium ${DEBEZIUM_VERSION} on ${w.url} in ${secs(t0)} (pid ${child.pid}, group ${w.groupId}, brokers ${w.brokers}, logs in ${rel(w.logsDir)})`);
    return result(false, child.pid);
  }
  const exited = child.hasExited();
  const why = exited ? 'the worker process exited' : `not ready within ${Math.round(timeoutMs / 1000)}s: ${ready.reason}`;
  if (!exited) await terminate(child.pid, 5_000);
  fs.rmSync(w.pidFile, { force: true });
  printLogTail(w);
  throw new Error(`connect: failed to start Kafka Connect ${CONNECT_VERSION} (${why}); full log: ${rel(w.connectLog)}`);
}

async function stopUnlocked(w, signal) {
  const pid = workerPid(w);
  if (!pid) {
    fs.rmSync(w.pidFile, { force: true });
    log('not running');
    return false;
  }
  const t0 = Date.now();
  const graceful = await terminate(pid, STOP_TIMEOUT_MS, signal);
  fs.rmSync(w.pidFile, { force: true });
  publishClassDataArchive(w, graceful && signal === 'SIGTERM');
  if (signal === 'SIGKILL') log(`killed (pid ${pid}, SIGKILL) in ${secs(t0)}`);
  else log(graceful ? `stopped (pid ${pid}) in ${secs(t0)}` : `killed (pid ${pid}) after ${STOP_TIMEOUT_MS / 1000}s without a clean shutdown`);
  return true;
}

/** Stops the worker (SIGTERM, SIGKILL after 30 s; `kill` for SIGKILL at once). Its group and connectors stay for the next start. */
export function stopConnect({ runDir, kill = false } = {}) {
  const w = workerLayout({ runDir });
  return withLock(() => stopUnlocked(w, kill ? 'SIGKILL' : 'SIGTERM'), { lockFile: w.lockFile, label: 'connect' });
}

/**
 * Stops the worker and deletes its run directory: the next start joins a new group with new internal
 * topics (no connectors). The old internal topics stay on the broker; `topics` names them.
 */
export function resetConnect({ runDir } = {}) {
  const w = workerLayout({ runDir });
  return withLock(async () => {
    await stopUnlocked(w, 'SIGTERM');
    const topics = w.groupId ? internalTopics(w.groupId) : undefined;
    for (const entry of fs.existsSync(w.runDir) ? fs.readdirSync(w.runDir) : []) {
      if (entry !== '.lock') fs.rmSync(path.join(w.runDir, entry), { recursive: true, force: true });
    }
    log(`deleted ${rel(w.runDir)}${topics ? ` (internal topics ${Object.values(topics).join(', ')} stay on ${w.brokers})` : ''}`);
    return { topics };
  }, { lockFile: w.lockFile, label: 'connect' });
}

/** { running, managed, pid, url, version, groupId, brokers, reason } of the worker in that run directory. */
export async function connectStatus({ runDir } = {}) {
  const w = workerLayout({ runDir });
  const pid = workerPid(w);
  const readiness = w.url ? await connectReadiness(w.url) : { ready: false, reason: 'never started' };
  return { running: readiness.ready, managed: Boolean(pid), pid, url: w.url, version: readiness.version, groupId: w.groupId, brokers: w.brokers, reason: readiness.reason };
}
