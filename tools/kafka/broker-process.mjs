// Process control of a broker: start (detached JVM), stop, reset and status, each under the broker's lock.

import fs from 'node:fs';
import path from 'node:path';
import { formatStorage, isFormatted, javaArgs, log4jProperties, serverProperties } from './broker-config.mjs';
import { pidAlive, withLock } from './lock.mjs';
import { provisionUnlocked } from './provision.mjs';
import { isKafkaReachable, portOpen } from './readiness.mjs';
import { livePid, printLogTails, spawnDetached, terminate } from '../local-service/process-control.mjs';
import { KAFKA_VERSION, POLL_MS, brokerLayout, externalBrokers, javaBin, log, rel, secs, skipForExternal, sleep } from './settings.mjs';

const DEFAULT_START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** pid from kafka.pid if that process is alive and (where /proc exists) really our broker. */
const brokerPid = (b = brokerLayout()) => livePid(b.pidFile, 'kafka.Kafka');

const printLogTail = (b) => printLogTails('kafka', [b.serverLog, b.outLog]);

async function waitUntilReady(b, pid, deadline, isAlive = () => pidAlive(pid)) {
  for (;;) {
    if (await isKafkaReachable({ host: b.host, port: b.port, timeoutMs: 1_000 })) return true;
    if (pid && !isAlive()) return false;
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
}

/**
 * Start the local broker (provisioning and formatting storage if needed) and resolve once it
 * serves clients. No-op when KAFKA_BROKERS is set or a broker already answers on 127.0.0.1:9092.
 *
 * With `runDir`, `port` and `controllerPort` it starts an extra, private broker instead: its own
 * state in runDir (kept across stop/start, so a restart finds its topics and offsets again), the
 * same provisioned jars, a smaller heap. KAFKA_BROKERS does not apply to a private broker.
 * Returns { brokers, version, external, alreadyRunning, pid }.
 */
export async function startKafka({ timeoutMs = Number(process.env.KAFKA_START_TIMEOUT_MS) || DEFAULT_START_TIMEOUT_MS, runDir, port, controllerPort } = {}) {
  const b = brokerLayout({ runDir, port, controllerPort }, { needPorts: true });
  const external = externalBrokers();
  if (!b.isPrivate && skipForExternal('start')) return { brokers: external, version: undefined, external: true, alreadyRunning: true };

  // A private broker needs the jars too; provisioning is shared, so it takes the shared lock.
  if (b.isPrivate) await withLock(provisionUnlocked);
  return withLock(() => startUnlocked(b, timeoutMs), undefined, b.lockFile);
}

async function startUnlocked(b, timeoutMs) {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const result = (alreadyRunning, pid) => ({ brokers: b.bootstrap, version: KAFKA_VERSION, external: false, alreadyRunning, pid });

  const existing = brokerPid(b);
  if (b.isPrivate && !existing && ((await portOpen(b.host, b.port)) || (await portOpen(b.host, b.controllerPort)))) {
    // never adopt someone else's broker (the shared one, another suite's) as this private one
    throw new Error(`kafka: port ${b.port} or ${b.controllerPort} is already in use; a private broker needs free ports`);
  }
  if (existing || (await portOpen(b.host, b.port))) {
    // a broker is running or still starting up; give it until the deadline to become ready
    if (await waitUntilReady(b, existing, deadline)) {
      log(`already running on ${b.bootstrap}${existing ? ` (pid ${existing})` : ' (not started by this script)'}`);
      return result(true, existing);
    }
    if (existing && pidAlive(existing)) {
      printLogTail(b);
      throw new Error(`kafka: broker pid ${existing} is running but not ready on ${b.bootstrap}; try \`node tools/kafka/kafka.mjs reset${b.isPrivate ? ` --run-dir ${b.runDir}` : ''}\``);
    }
    if (!existing) throw new Error(`kafka: ${b.bootstrap} is in use by something that does not answer like a Kafka broker`);
  }
  fs.rmSync(b.pidFile, { force: true });

  if (!b.isPrivate) await provisionUnlocked();

  fs.mkdirSync(b.logsDir, { recursive: true });
  for (const f of fs.readdirSync(b.logsDir)) {
    // keep only the previous run's log next to the new one
    if (f.startsWith('server.log')) fs.renameSync(path.join(b.logsDir, f), path.join(b.logsDir, `previous-${f}`));
  }
  fs.writeFileSync(b.propsFile, serverProperties(b));
  fs.writeFileSync(b.log4jFile, log4jProperties(b));
  if (!isFormatted(b)) {
    const tf = Date.now();
    const clusterId = await formatStorage(b);
    log(`formatted ${rel(b.dataDir)} (cluster id ${clusterId}) in ${secs(tf)}`);
  }

  const t1 = Date.now();
  const child = await spawnDetached(javaBin(), [...javaArgs(b, 'kafka.Kafka', b.jvmOpts), b.propsFile], { cwd: b.runDir, outLog: b.outLog, pidFile: b.pidFile, label: 'kafka' });

  if (await waitUntilReady(b, child.pid, deadline, child.isAlive)) {
    log(`started ${KAFKA_VERSION} on ${b.bootstrap} in ${secs(t1)} (pid ${child.pid}, logs in ${rel(b.logsDir)})`);
    return result(false, child.pid);
  }
  const exited = child.hasExited();
  const why = exited ? 'the broker process exited' : `not ready within ${Math.round(timeoutMs / 1000)}s`;
  if (!exited) await terminate(child.pid, 5_000);
  fs.rmSync(b.pidFile, { force: true });
  printLogTail(b);
  throw new Error(`kafka: failed to start ${KAFKA_VERSION} (${why}); full log: ${rel(b.serverLog)}`);
}

async function stopUnlocked(b, signal = 'SIGTERM') {
  const pid = brokerPid(b);
  if (!pid) {
    fs.rmSync(b.pidFile, { force: true });
    const busy = b.port !== undefined && (await portOpen(b.host, b.port));
    log(`not running${busy ? ` (but something else listens on ${b.bootstrap})` : ''}`);
    return false;
  }
  const t0 = Date.now();
  const graceful = await terminate(pid, STOP_TIMEOUT_MS, signal);
  fs.rmSync(b.pidFile, { force: true });
  if (signal === 'SIGKILL') log(`killed (pid ${pid}, SIGKILL) in ${secs(t0)}`);
  else log(graceful ? `stopped (pid ${pid}) in ${secs(t0)}` : `killed (pid ${pid}) after ${STOP_TIMEOUT_MS / 1000}s without a clean shutdown`);
  return true;
}

/**
 * Stop the broker started by startKafka() (SIGTERM, SIGKILL after 30 s). Returns true if one was stopped.
 * With `runDir`, stops that private broker only (its data stays for a restart); `kill: true` sends
 * SIGKILL at once (a crash, no clean shutdown).
 */
export async function stopKafka({ runDir, kill = false } = {}) {
  const b = brokerLayout({ runDir });
  if (!b.isPrivate && skipForExternal('stop')) return false;
  return withLock(() => stopUnlocked(b, kill ? 'SIGKILL' : 'SIGTERM'), undefined, b.lockFile);
}

/** Stop the broker and delete its data dir (topics, offsets, cluster id). With `runDir`, that private broker's. */
export async function resetKafka({ runDir } = {}) {
  const b = brokerLayout({ runDir });
  if (!b.isPrivate && skipForExternal('reset')) return false;
  return withLock(async () => {
    await stopUnlocked(b);
    fs.rmSync(b.dataDir, { recursive: true, force: true });
    fs.rmSync(b.logsDir, { recursive: true, force: true });
    fs.rmSync(b.outLog, { force: true });
    log(`deleted ${rel(b.dataDir)}`);
    return true;
  }, undefined, b.lockFile);
}

/** { running, managed, pid, brokers, version }; with `runDir`, `port`, `controllerPort`, of that private broker. */
export async function kafkaStatus({ runDir, port, controllerPort } = {}) {
  const b = brokerLayout({ runDir, port, controllerPort });
  const external = externalBrokers();
  if (!b.isPrivate && external) return { running: await isKafkaReachable(), managed: false, brokers: external, external: true };
  const pid = brokerPid(b);
  const running = b.port !== undefined && (await isKafkaReachable({ host: b.host, port: b.port }));
  return { running, managed: Boolean(pid), pid, brokers: b.bootstrap, version: KAFKA_VERSION, external: false };
}
